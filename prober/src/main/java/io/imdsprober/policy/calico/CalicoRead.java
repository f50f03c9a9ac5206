package io.imdsprober.policy.calico;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Calico's NetworkPolicy and GlobalNetworkPolicy ({@code projectcalico.org/v3}, {@code
 * crd.projectcalico.org/v1}, the same spec) from their maps, checked as libcalico-go's validator
 * checks them ({@code lib/validator/v3/validator.go}): a selector that does not parse, {@code
 * global()} outside a rule's namespaceSelector, an unknown action, type or protocol, a CIDR that
 * does not parse, IPv4 and IPv6 CIDRs in one rule, ports without a protocol that has ports, a port
 * out of range; such an object is invalid, named with the field, and never allows or denies. A
 * field that is valid but not evaluated for an IP destination is named on its rule instead. Pure.
 */
final class CalicoRead {
  private static final Set<String> SPEC_KEYS =
      Set.of(
          "order",
          "tier",
          "selector",
          "namespaceSelector",
          "serviceAccountSelector",
          "types",
          "ingress",
          "egress",
          "doNotTrack",
          "preDNAT",
          "applyOnForward",
          "performanceHints",
          "stagedAction");

  private CalicoRead() {}

  /** A problem with the object, named by its field. */
  static final class Bad extends Exception {
    Bad(String message) {
      super(message, null, false, false);
    }
  }

  static Map<String, Object> spec(HasMetadata o) {
    if (o instanceof GenericKubernetesResource g && g.getAdditionalProperties() != null) {
      return map(g.getAdditionalProperties().get("spec"));
    }
    return null;
  }

  /** One NetworkPolicy or GlobalNetworkPolicy; invalid (the problem named) when it breaks rules. */
  static CalicoPolicy policy(HasMetadata o, String kind, String namespace) {
    String name = o.getMetadata() == null ? "?" : String.valueOf(o.getMetadata().getName());
    Map<String, Object> spec = spec(o);
    boolean global = namespace == null;
    String tier = "default";
    Double order = null;
    CalicoSelector selector = null;
    CalicoSelector nsSelector = null;
    CalicoSelector saSelector = null;
    boolean egress = false;
    boolean hostOnly = false;
    List<CalicoRule> rules = new ArrayList<>();
    String problem = null;
    try {
      if (spec == null) {
        spec = Map.of();
      }
      if (spec.get("tier") instanceof String t && !t.isEmpty()) {
        tier = t;
      } else if (spec.get("tier") != null) {
        throw new Bad("spec.tier '" + spec.get("tier") + "' is not a tier name");
      }
      hostOnly = flag(spec, "preDNAT") || flag(spec, "doNotTrack");
      selector = selector(spec.get("selector"), "spec.selector", false);
      if (global) {
        nsSelector = optional(spec.get("namespaceSelector"), "spec.namespaceSelector");
      }
      saSelector = optional(spec.get("serviceAccountSelector"), "spec.serviceAccountSelector");
      order = order(spec.get("order"));
      List<Object> egressRules = list(spec.get("egress"), "spec.egress");
      List<Object> ingressRules = list(spec.get("ingress"), "spec.ingress");
      egress = types(spec.get("types"), !egressRules.isEmpty(), !ingressRules.isEmpty());
      for (int i = 0; i < egressRules.size(); i++) {
        rules.add(CalicoRuleRead.rule(i, egressRules.get(i)));
      }
      for (String key : spec.keySet()) {
        if (!SPEC_KEYS.contains(key) || !global && key.equals("namespaceSelector")) {
          throw new Bad("spec." + key + " is not a field of " + kind);
        }
      }
    } catch (Bad e) {
      problem = e.getMessage();
    }
    String bare = name.startsWith(tier + ".") ? name.substring(tier.length() + 1) : name;
    String sortKey = (global ? "" : namespace + "/") + tier + "." + bare;
    return new CalicoPolicy(
        kind,
        namespace,
        name,
        tier,
        order,
        sortKey,
        selector,
        nsSelector,
        saSelector,
        egress,
        hostOnly,
        rules,
        problem);
  }

  private static boolean flag(Map<String, Object> spec, String key) throws Bad {
    Object v = spec.get(key);
    if (v != null && !(v instanceof Boolean)) {
      throw new Bad("spec." + key + " '" + v + "' is not true or false");
    }
    return Boolean.TRUE.equals(v);
  }

  static Double order(Object v) throws Bad {
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || Double.isNaN(n.doubleValue())) {
      throw new Bad("spec.order '" + v + "' is not a number");
    }
    return n.doubleValue();
  }

  /** Calico's defaults: Egress when egress rules are present (the "types" table). */
  private static boolean types(Object v, boolean egressRules, boolean ingressRules) throws Bad {
    if (v == null) {
      return egressRules;
    }
    List<Object> types = list(v, "spec.types");
    if (types.isEmpty()) {
      return egressRules;
    }
    boolean egress = false;
    java.util.Set<Object> seen = new java.util.HashSet<>();
    for (Object t : types) {
      if (!"Ingress".equals(t) && !"Egress".equals(t)) {
        throw new Bad("spec.types: '" + t + "' is not Ingress or Egress");
      }
      if (!seen.add(t)) {
        throw new Bad("spec.types: '" + t + "' type specified more than once");
      }
      egress |= "Egress".equals(t);
    }
    return egress;
  }

  static CalicoSelector optional(Object v, String where) throws Bad {
    return v == null ? null : selector(v, where, false);
  }

  /** A selector; {@code global()} only where {@code namespaceSelector} allows it. */
  static CalicoSelector selector(Object v, String where, boolean globalAllowed) throws Bad {
    if (v != null && !(v instanceof String)) {
      throw new Bad(where + " is not a selector string");
    }
    CalicoSelector s;
    try {
      s = CalicoSelector.parse((String) v);
    } catch (CalicoSelector.Invalid e) {
      throw new Bad(where + " '" + v + "' does not parse: " + e.getMessage());
    }
    if (s.usesGlobal() && !(globalAllowed && s.isGlobal())) {
      throw new Bad(
          where
              + ": global() is only valid alone, in a rule's namespaceSelector (selector '"
              + v
              + "')");
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object v) {
    return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object v, String where) throws Bad {
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?>)) {
      throw new Bad(where + " is not a list");
    }
    return (List<Object>) v;
  }
}
