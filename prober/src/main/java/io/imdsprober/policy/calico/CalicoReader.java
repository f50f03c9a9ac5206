package io.imdsprober.policy.calico;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.imdsprober.policy.calico.CalicoRead.Bad;
import io.imdsprober.policy.calico.NetworkSets.NetworkSet;
import io.imdsprober.policy.chain.CniPolicies;
import io.imdsprober.policy.chain.CniReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads Calico's kinds ({@code projectcalico.org/v3}, as Calico's API server serves them, and
 * {@code crd.projectcalico.org/v1}, the same objects as stored): NetworkPolicy and
 * GlobalNetworkPolicy, which are evaluated; Tier, which orders them; GlobalNetworkSet and
 * NetworkSet, which their selectors may select; StagedNetworkPolicy, StagedGlobalNetworkPolicy and
 * StagedKubernetesNetworkPolicy, which never enforce (docs.tigera.io, stagednetworkpolicy: "a
 * staged policy ... does not affect traffic"): reported, never deciding. Pure.
 */
public final class CalicoReader implements CniReader {
  static final Set<String> GROUPS = Set.of("projectcalico.org", "crd.projectcalico.org");
  static final Set<String> POLICIES = Set.of("NetworkPolicy", "GlobalNetworkPolicy");
  static final Set<String> STAGED =
      Set.of("StagedNetworkPolicy", "StagedGlobalNetworkPolicy", "StagedKubernetesNetworkPolicy");
  static final Set<String> OTHERS = Set.of("Tier", "GlobalNetworkSet", "NetworkSet");

  @Override
  public boolean reads(HasMetadata o) {
    String kind = o.getKind();
    return calico(o) && (POLICIES.contains(kind) || STAGED.contains(kind) || OTHERS.contains(kind));
  }

  private static boolean calico(HasMetadata o) {
    String v = o.getApiVersion();
    return v != null && v.indexOf('/') > 0 && GROUPS.contains(v.substring(0, v.indexOf('/')));
  }

  @Override
  public Optional<CniPolicies> of(List<? extends HasMetadata> objects) {
    Map<String, CalicoTier> tiers = new HashMap<>();
    List<CalicoPolicy> global = new ArrayList<>();
    Map<String, List<CalicoPolicy>> byNamespace = new HashMap<>();
    List<NetworkSet> sets = new ArrayList<>();
    Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
    Map<String, String> invalid = new LinkedHashMap<>();
    List<String> reported = new ArrayList<>();
    boolean any = false;
    for (HasMetadata o : objects) {
      if (o instanceof Namespace ns && ns.getMetadata() != null) {
        namespaceLabels.put(
            ns.getMetadata().getName(),
            ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels());
      }
      if (!reads(o)) {
        continue;
      }
      String kind = o.getKind();
      String name = o.getMetadata() == null ? "?" : String.valueOf(o.getMetadata().getName());
      String namespace = namespaceOf(o);
      if (STAGED.contains(kind)) {
        any = true;
        reported.add(
            kind
                + " "
                + (kind.equals("StagedGlobalNetworkPolicy") ? name : namespace + "/" + name)
                + ": staged, Calico does not enforce it (not evaluated)");
      } else if (POLICIES.contains(kind)) {
        any = true;
        boolean isGlobal = kind.equals("GlobalNetworkPolicy");
        String display = isGlobal ? kind : kind + "." + group(o);
        CalicoPolicy p = CalicoRead.policy(o, display, isGlobal ? null : namespace);
        if (p.problem() != null) {
          invalid.put(p.display(), p.problem());
        }
        if (isGlobal) {
          global.add(p);
        } else {
          byNamespace.computeIfAbsent(namespace, n -> new ArrayList<>()).add(p);
        }
      } else if (kind.equals("Tier")) {
        CalicoTier t = tier(name, CalicoRead.spec(o));
        if (t.problem() != null) {
          invalid.put(t.display(), t.problem());
        }
        tiers.put(name, t);
      } else {
        NetworkSet s = set(o, kind, name, kind.equals("NetworkSet") ? namespace : null);
        if (s.problem() != null) {
          invalid.put(s.display(), s.problem());
        }
        sets.add(s);
      }
    }
    if (!any) {
      return Optional.empty();
    }
    return Optional.of(
        new CalicoPolicies(
            tiers, global, byNamespace, new NetworkSets(sets, namespaceLabels), invalid, reported));
  }

  private static String group(HasMetadata o) {
    return o.getApiVersion().substring(0, o.getApiVersion().indexOf('/'));
  }

  private static String namespaceOf(HasMetadata o) {
    String ns = o.getMetadata() == null ? null : o.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? "default" : ns;
  }

  private static CalicoTier tier(String name, Map<String, Object> spec) {
    Map<String, Object> s = spec == null ? Map.of() : spec;
    try {
      Double order = CalicoRead.order(s.get("order"));
      Object action = s.get("defaultAction");
      if (action != null && !"Deny".equals(action) && !"Pass".equals(action)) {
        throw new Bad("spec.defaultAction '" + action + "' is not Deny or Pass");
      }
      if (CalicoTier.DEFAULT.equals(name)) {
        order = CalicoTier.DEFAULT_ORDER; // fixed (tiered-policy, "The default tier")
      }
      return new CalicoTier(name, order, "Pass".equals(action), null);
    } catch (Bad e) {
      return new CalicoTier(name, null, false, e.getMessage());
    }
  }

  private static NetworkSet set(HasMetadata o, String kind, String name, String namespace) {
    Map<String, String> labels =
        new HashMap<>(
            o.getMetadata() == null || o.getMetadata().getLabels() == null
                ? Map.of()
                : o.getMetadata().getLabels());
    String display = kind + " " + (namespace == null ? name : namespace + "/" + name);
    if (namespace != null) {
      labels.put(Endpoint.NAMESPACE, namespace);
    }
    Map<String, Object> spec = CalicoRead.spec(o);
    try {
      return new NetworkSet(
          display,
          namespace,
          labels,
          CalicoRuleRead.nets(spec == null ? null : spec.get("nets"), "spec.nets"),
          null);
    } catch (Bad e) {
      return new NetworkSet(display, namespace, labels, List.of(), e.getMessage());
    }
  }
}
