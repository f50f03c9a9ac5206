package io.imdsprober.policy.chain;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.imdsprober.policy.EgressPolicies;
import io.imdsprober.policy.anp.AdminPolicies;
import io.imdsprober.policy.anp.AdminPolicy;
import io.imdsprober.policy.anp.AdminTier;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster-wide part of the chain, read once per sweep or manifest set: the admin and baseline
 * tiers, and the namespaces' labels their subjects select by (a namespace not given has only its
 * {@code kubernetes.io/metadata.name} label, as the API server sets it). Pure.
 */
public final class ClusterTiers {
  /** No admin or baseline policy: the chain is NetworkPolicy alone. */
  public static final ClusterTiers NONE = new ClusterTiers(List.of(), Map.of());

  private final AdminTier admin;
  private final AdminTier baseline;
  private final Map<String, Map<String, String>> namespaceLabels;

  private ClusterTiers(List<AdminPolicy> policies, Map<String, Map<String, String>> labels) {
    admin = new AdminTier(policies, false);
    baseline = new AdminTier(policies, true);
    namespaceLabels = labels;
  }

  /** The admin policies and namespaces among {@code objects} (others are left alone). */
  public static ClusterTiers of(List<? extends HasMetadata> objects) {
    Map<String, Map<String, String>> labels = new HashMap<>();
    for (HasMetadata o : objects) {
      if (o instanceof Namespace ns && ns.getMetadata() != null) {
        labels.put(
            ns.getMetadata().getName(),
            ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels());
      }
    }
    List<AdminPolicy> policies = AdminPolicies.of(objects);
    return policies.isEmpty() ? NONE : new ClusterTiers(policies, labels);
  }

  /** The pod as the tiers select it. */
  public Subject subject(String namespace, Map<String, String> labels) {
    String ns = namespace == null || namespace.isEmpty() ? "default" : namespace;
    Map<String, String> nsLabels = new HashMap<>(namespaceLabels.getOrDefault(ns, Map.of()));
    nsLabels.put("kubernetes.io/metadata.name", ns);
    return new Subject(ns, nsLabels, labels);
  }

  /** The chain over these tiers and a namespace's (or the cluster's) NetworkPolicies. */
  public PolicyChain chain(EgressPolicies networkPolicies) {
    return new PolicyChain(admin, new NetworkPolicyFamily(networkPolicies), baseline);
  }

  /** The admin and baseline objects that cannot be read: {@code Kind name} to what is wrong. */
  public Map<String, String> invalid() {
    Map<String, String> out = new LinkedHashMap<>(admin.invalid());
    out.putAll(baseline.invalid());
    return out;
  }
}
