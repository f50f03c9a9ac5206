package io.imdsprober.policy.chain;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.imdsprober.policy.EgressPolicies;
import io.imdsprober.policy.anp.AdminPolicies;
import io.imdsprober.policy.anp.AdminPolicy;
import io.imdsprober.policy.anp.AdminTier;
import io.imdsprober.policy.calico.CalicoReader;
import io.imdsprober.policy.cilium.CiliumReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster-wide part of the chain, read once per sweep or manifest set: the admin and baseline
 * tiers, a CNI's own policy kinds ({@link CniPolicies}), and the namespaces' labels their subjects
 * select by (a namespace not given has only its {@code kubernetes.io/metadata.name} label, as the
 * API server sets it). Pure.
 */
public final class ClusterTiers {
  /** No admin, baseline or CNI policy: the chain is NetworkPolicy alone. */
  public static final ClusterTiers NONE = new ClusterTiers(List.of(), null, Map.of(), Map.of());

  /** The CNIs whose kinds are evaluated. */
  static final List<CniReader> CNIS = List.of(new CalicoReader(), new CiliumReader());

  private final AdminTier admin;
  private final AdminTier baseline;
  private final CniPolicies cni;
  private final Map<String, Map<String, String>> namespaceLabels;
  private final Map<String, Map<String, String>> accountLabels;

  private ClusterTiers(
      List<AdminPolicy> policies,
      CniPolicies cni,
      Map<String, Map<String, String>> labels,
      Map<String, Map<String, String>> accounts) {
    admin = new AdminTier(policies, false);
    baseline = new AdminTier(policies, true);
    this.cni = cni;
    namespaceLabels = labels;
    accountLabels = accounts;
  }

  /** Whether the object is of a kind the chain evaluates (admin tiers or a CNI's kinds). */
  public static boolean evaluated(HasMetadata o) {
    return AdminPolicies.evaluated(o) || CNIS.stream().anyMatch(r -> r.reads(o));
  }

  /**
   * The admin policies, a CNI's kinds ({@link #CNIS}), namespaces and service accounts among {@code
   * objects} (others are left alone).
   */
  public static ClusterTiers of(List<? extends HasMetadata> objects) {
    Map<String, Map<String, String>> labels = new HashMap<>();
    Map<String, Map<String, String>> accounts = new HashMap<>();
    for (HasMetadata o : objects) {
      if (o instanceof Namespace ns && ns.getMetadata() != null) {
        labels.put(
            ns.getMetadata().getName(),
            ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels());
      } else if (o instanceof ServiceAccount sa && sa.getMetadata() != null) {
        accounts.put(
            namespaceOf(sa) + "/" + sa.getMetadata().getName(),
            sa.getMetadata().getLabels() == null ? Map.of() : sa.getMetadata().getLabels());
      }
    }
    List<AdminPolicy> policies = AdminPolicies.of(objects);
    List<CniPolicies> cnis = new ArrayList<>();
    for (CniReader r : CNIS) {
      r.of(objects).ifPresent(cnis::add);
    }
    // two CNIs' kinds at once: only those with an enforcing object count (a staged Calico policy
    // beside Cilium's says nothing about which CNI runs)
    List<CniPolicies> enforcing = cnis.stream().filter(CniPolicies::enforces).toList();
    if (cnis.size() > 1 && enforcing.size() == 1) {
      cnis = new ArrayList<>(enforcing);
    }
    CniPolicies cni =
        switch (cnis.size()) {
          case 0 -> null;
          case 1 -> cnis.get(0);
          default -> new ConflictingCnis(cnis);
        };
    return policies.isEmpty() && cni == null
        ? NONE
        : new ClusterTiers(policies, cni, labels, accounts);
  }

  private static String namespaceOf(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? "default" : ns;
  }

  /** The pod as the tiers select it, its service account not known. */
  public Subject subject(String namespace, Map<String, String> labels) {
    return subject(namespace, labels, null);
  }

  /**
   * The pod as the tiers select it, running as {@code serviceAccount}: that account's labels are
   * those of a ServiceAccount among the objects read, or not known (null) when none was given.
   */
  public Subject subject(String namespace, Map<String, String> labels, String serviceAccount) {
    String ns = namespace == null || namespace.isEmpty() ? "default" : namespace;
    Map<String, String> nsLabels = new HashMap<>(namespaceLabels.getOrDefault(ns, Map.of()));
    nsLabels.put("kubernetes.io/metadata.name", ns);
    Map<String, String> account =
        serviceAccount == null ? null : accountLabels.get(ns + "/" + serviceAccount);
    return new Subject(ns, nsLabels, labels, serviceAccount, account);
  }

  /** The chain over these tiers and a namespace's (or the cluster's) NetworkPolicies. */
  public PolicyChain chain(EgressPolicies networkPolicies) {
    NetworkPolicyFamily np = new NetworkPolicyFamily(networkPolicies);
    return new PolicyChain(admin, np, cni == null ? np : cni.over(np), baseline);
  }

  /**
   * The admin, baseline and CNI objects that cannot be read: {@code Kind name} to what is wrong.
   */
  public Map<String, String> invalid() {
    Map<String, String> out = new LinkedHashMap<>(admin.invalid());
    out.putAll(baseline.invalid());
    if (cni != null) {
      out.putAll(cni.invalid());
    }
    return out;
  }

  /** Objects read that do not enforce (Calico's staged kinds), each named: reported. */
  public List<String> reported() {
    return cni == null ? List.of() : cni.reported();
  }
}
