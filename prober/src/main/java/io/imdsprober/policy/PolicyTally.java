package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.imdsprober.policy.PolicyWeight.Caps;
import io.imdsprober.policy.PolicyWeight.Heavy;
import io.imdsprober.policy.PolicyWeight.Weight;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * NetworkPolicies gathered page by page under the weight caps ({@link PolicyWeight}): each is
 * trimmed as it comes; one over a per-policy cap, or a namespace whose policies are over a
 * per-namespace cap in all, makes that namespace undecided, and then none of its policies is kept
 * (whatever came before or comes after), so that what is held stays bounded and no half-read
 * namespace is judged. Other namespaces are kept as usual. Pure.
 */
public final class PolicyTally {
  private final Caps caps;
  private final Map<String, List<NetworkPolicy>> kept = new LinkedHashMap<>();
  private final Map<String, Weight> totals = new HashMap<>();
  private final Map<String, List<String>> heavy = new TreeMap<>();
  private final Map<String, Integer> heavyCount = new HashMap<>();

  public PolicyTally(Caps caps) {
    this.caps = caps;
  }

  /** Takes one policy (as listed, or as a watch holds it: trimmed or a stub). */
  public void add(NetworkPolicy p) {
    NetworkPolicy t = PolicyWeight.trim(p, caps);
    String ns = PolicyWeight.namespaceOf(t);
    Weight total = totals.getOrDefault(ns, Weight.ZERO).plus(PolicyWeight.of(t));
    totals.put(ns, total);
    if (t instanceof Heavy h) {
      int n = heavyCount.merge(ns, 1, Integer::sum);
      if (n <= PolicyWeight.MAX_NAMED) {
        heavy
            .computeIfAbsent(ns, k -> new ArrayList<>())
            .add(
                "NetworkPolicy "
                    + PolicyWeight.name(h)
                    + " "
                    + PolicyWeight.overPolicyCap(h.weight(), caps));
      }
    }
    if (heavyCount.containsKey(ns) || PolicyWeight.overNamespaceCap(ns, total, caps) != null) {
      kept.remove(ns); // the namespace is undecided: hold none of its peers
      return;
    }
    kept.computeIfAbsent(ns, k -> new ArrayList<>()).add(t);
  }

  /** The trimmed policies of every namespace under the caps. */
  public List<NetworkPolicy> kept() {
    List<NetworkPolicy> out = new ArrayList<>();
    kept.values().forEach(out::addAll);
    return out;
  }

  /**
   * The namespaces over a cap, each with its reasons: every policy over a per-policy cap (the first
   * {@value PolicyWeight#MAX_NAMED}, then how many more), and the per-namespace cap when the total
   * is over it.
   */
  public Map<String, List<String>> undecided() {
    Map<String, List<String>> out = new TreeMap<>();
    heavy.forEach((ns, reasons) -> out.put(ns, new ArrayList<>(reasons)));
    heavyCount.forEach(
        (ns, n) -> {
          if (n > PolicyWeight.MAX_NAMED) {
            out.get(ns)
                .add(
                    (n - PolicyWeight.MAX_NAMED)
                        + " more NetworkPolicies of namespace "
                        + ns
                        + " over a per-policy cap");
          }
        });
    totals.forEach(
        (ns, total) -> {
          String over = PolicyWeight.overNamespaceCap(ns, total, caps);
          if (over != null) {
            out.computeIfAbsent(ns, k -> new ArrayList<>()).add(over);
          }
        });
    return out;
  }
}
