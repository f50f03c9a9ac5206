package io.imdsprober.policy.calico;

import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.calico.CalicoRule.Match;
import java.util.List;

/**
 * One Calico NetworkPolicy or GlobalNetworkPolicy as {@link CalicoRead} read it
 * (docs.tigera.io/calico/latest/reference/resources/networkpolicy, globalnetworkpolicy). It selects
 * a pod when its {@code selector} matches the pod's endpoint ({@link Endpoint}), its {@code
 * serviceAccountSelector} the pod's service account, and (GlobalNetworkPolicy) its {@code
 * namespaceSelector} the pod's namespace; a NetworkPolicy only pods of its namespace. It acts on
 * egress when its {@code types} name Egress, or, without {@code types}, when it has egress rules. A
 * {@code preDNAT} or {@code doNotTrack} policy applies to host endpoints only (the
 * globalnetworkpolicy reference: "meaningful only when applying policy to a host endpoint"): it
 * selects no pod. Its rules are read in order: the first that holds with Allow, Deny or Pass
 * decides; Log goes on. Pure.
 *
 * @param kind its kind as reports name it
 * @param namespace its namespace, or null for a GlobalNetworkPolicy
 * @param name its name as written
 * @param tier its tier ({@code spec.tier}, {@code default} when absent)
 * @param order its order, or null (after every ordered policy of its tier)
 * @param sortKey the name Calico sorts equal orders by ({@code ns/tier.name})
 * @param selector its {@code selector}, null when it cannot be read
 * @param namespaceSelector its {@code namespaceSelector} (GlobalNetworkPolicy), or null
 * @param accountSelector its {@code serviceAccountSelector}, or null
 * @param egress whether it acts on egress
 * @param hostOnly whether it applies to host endpoints only
 * @param rules its egress rules in order
 * @param problem why it is invalid, or null
 */
record CalicoPolicy(
    String kind,
    String namespace,
    String name,
    String tier,
    Double order,
    String sortKey,
    CalicoSelector selector,
    CalicoSelector namespaceSelector,
    CalicoSelector accountSelector,
    boolean egress,
    boolean hostOnly,
    List<CalicoRule> rules,
    String problem) {
  CalicoPolicy {
    rules = List.copyOf(rules);
  }

  /** How reports name it: {@code GlobalNetworkPolicy deny-imds}, {@code NetworkPolicy... ns/x}. */
  String display() {
    return kind + " " + (namespace == null ? name : namespace + "/" + name);
  }

  /**
   * Whether it selects the pod for egress: true, false, or null when that depends on what is not
   * known (the pod's service account, a selector that cannot be read).
   */
  Boolean selects(Endpoint pod) {
    if (hostOnly || namespace != null && !namespace.equals(pod.namespace())) {
      return false;
    }
    if (problem == null && !egress) {
      return false;
    }
    if (selector == null) {
      return null; // invalid, its selection not readable: any pod in its scope may be selected
    }
    Boolean out = selector.test(pod.labels(), pod.unknownLabel());
    if (namespaceSelector != null) {
      out = CalicoRule.and(out, namespaceSelector.test(pod.namespaceLabels(), k -> false));
    }
    if (accountSelector != null) {
      out =
          CalicoRule.and(out, accountSelector.test(pod.accountLabels(), pod.unknownAccountLabel()));
    }
    return out;
  }

  /** What its rules say for a pod it selects. */
  enum Verdict {
    ALLOW,
    DENY,
    PASS,
    /** No rule holds: the next policy of the tier. */
    NO_MATCH,
    UNDECIDED
  }

  /**
   * What it says.
   *
   * @param rule the rule that said it ({@code Kind ns/name egress[i]}), or the reason (undecided)
   */
  record Said(Verdict verdict, String rule) {}

  /** Its first rule that holds the destination, for a pod it selects. */
  Said evaluate(Endpoint pod, Destination d, NetworkSets sets) {
    if (problem != null) {
      return new Said(Verdict.UNDECIDED, display() + " is invalid: " + problem);
    }
    for (CalicoRule r : rules) {
      String word = display() + " egress[" + r.index() + "]";
      Match m = r.match(namespace, pod, d, sets);
      if (m.why() != null) {
        return new Said(Verdict.UNDECIDED, word + m.why());
      }
      if (!m.holds()) {
        continue;
      }
      switch (r.action()) {
        case ALLOW -> {
          return new Said(Verdict.ALLOW, word);
        }
        case DENY -> {
          return new Said(Verdict.DENY, word);
        }
        case PASS -> {
          return new Said(Verdict.PASS, word);
        }
        case LOG -> {
          // logs, and the next rule decides
        }
      }
    }
    return new Said(Verdict.NO_MATCH, null);
  }
}
