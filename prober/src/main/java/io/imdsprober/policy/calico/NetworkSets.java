package io.imdsprober.policy.calico;

import io.imdsprober.policy.Cidr;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.calico.CalicoRule.Entity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Calico's GlobalNetworkSets and NetworkSets among the objects read: the only way a rule's {@code
 * selector}, {@code notSelector} or {@code namespaceSelector} holds an IP destination that is no
 * pod (docs.tigera.io/calico/latest/reference/resources/globalnetworkset, networkset; EntityRule
 * "Selectors can match workload endpoints, host endpoints and (namespaced or global) network
 * sets"). The scope is the rule's: its {@code namespaceSelector}'s namespaces, {@code global()} the
 * global sets, and without one the policy's own namespace (NetworkPolicy) or every set
 * (GlobalNetworkPolicy) ("Understanding scopes and the all() and global() operators"). A set that
 * cannot be read and that the rule may select makes the rule undecided. Pure.
 */
final class NetworkSets {
  /**
   * One set.
   *
   * @param display {@code GlobalNetworkSet name} or {@code NetworkSet ns/name}
   * @param namespace its namespace, or null for a global set
   * @param labels its labels (a namespaced one's with {@code projectcalico.org/namespace})
   * @param nets its CIDRs
   * @param problem why it cannot be read, or null
   */
  record NetworkSet(
      String display,
      String namespace,
      Map<String, String> labels,
      List<Cidr> nets,
      String problem) {}

  static final NetworkSets NONE = new NetworkSets(List.of(), Map.of());

  private final List<NetworkSet> sets;
  private final Map<String, Map<String, String>> namespaceLabels;

  /**
   * @param namespaceLabels the labels of the namespaces given, by name
   */
  NetworkSets(List<NetworkSet> sets, Map<String, Map<String, String>> namespaceLabels) {
    this.sets = List.copyOf(sets);
    this.namespaceLabels = namespaceLabels;
  }

  List<NetworkSet> all() {
    return sets;
  }

  /**
   * Whether the destination criteria's selectors hold {@code d}: true, false, or null when a set
   * that cannot be read may be the one.
   *
   * @param policyNamespace the policy's namespace, or null for a global policy
   */
  Boolean holds(String policyNamespace, Entity to, Destination d) {
    return undecided(policyNamespace, to, d).isEmpty() ? decide(policyNamespace, to, d) : null;
  }

  /** Why {@link #holds} is null. */
  String why(String policyNamespace, Entity to, Destination d) {
    List<NetworkSet> bad = undecided(policyNamespace, to, d);
    return bad.isEmpty()
        ? ""
        : "selects " + bad.get(0).display() + ", which is invalid: " + bad.get(0).problem();
  }

  private boolean decide(String policyNamespace, Entity to, Destination d) {
    boolean positive = to.selector() != null || to.namespaceSelector() != null;
    boolean held = !positive;
    for (NetworkSet s : sets) {
      if (s.problem() != null
          || !inScope(policyNamespace, to, s)
          || s.nets().stream().noneMatch(c -> c.contains(d.ip()))) {
        continue;
      }
      if (to.notSelector() != null && to.notSelector().matches(s.labels())) {
        return false;
      }
      if (positive && (to.selector() == null || to.selector().matches(s.labels()))) {
        held = true;
      }
    }
    return held;
  }

  private List<NetworkSet> undecided(String policyNamespace, Entity to, Destination d) {
    List<NetworkSet> out = new ArrayList<>();
    for (NetworkSet s : sets) {
      if (s.problem() == null || !inScope(policyNamespace, to, s)) {
        continue;
      }
      boolean selected =
          to.selector() == null && to.namespaceSelector() != null
              || to.selector() != null && to.selector().matches(s.labels())
              || to.notSelector() != null && to.notSelector().matches(s.labels());
      if (selected) {
        out.add(s);
      }
    }
    return out;
  }

  private boolean inScope(String policyNamespace, Entity to, NetworkSet s) {
    CalicoSelector ns = to.namespaceSelector();
    if (ns == null) {
      return policyNamespace == null || policyNamespace.equals(s.namespace());
    }
    if (ns.isGlobal()) {
      return s.namespace() == null;
    }
    if (s.namespace() == null) {
      return false;
    }
    Map<String, String> labels =
        new java.util.HashMap<>(namespaceLabels.getOrDefault(s.namespace(), Map.of()));
    labels.put("kubernetes.io/metadata.name", s.namespace());
    labels.put(Endpoint.NAME, s.namespace());
    return ns.matches(labels);
  }
}
