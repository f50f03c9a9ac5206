package io.imdsprober.policy.anp;

import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.chain.Answer;
import io.imdsprober.policy.chain.Answer.Say;
import io.imdsprober.policy.chain.PolicyFamily;
import io.imdsprober.policy.chain.Subject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One tier of admin policies, the admin tier (AdminNetworkPolicy, ClusterNetworkPolicy tier Admin)
 * or the baseline tier (BaselineAdminNetworkPolicy, ClusterNetworkPolicy tier Baseline), as
 * network-policy-api.sigs.k8s.io/reference/spec/ orders it: the policy with the lowest priority
 * number that has a rule for the destination decides. Where two policies of the same priority both
 * have a rule for it and they say different things, upstream leaves the choice to the
 * implementation: the answer is undecided, naming both. A policy without a priority (the
 * BaselineAdminNetworkPolicy, or one whose priority cannot be read) has no defined order against
 * the others: where it and the ordered winner say different things, undecided too. Pure.
 */
public final class AdminTier implements PolicyFamily {
  private final List<AdminPolicy> policies;

  /** The policies of the admin tier ({@code baseline} false) or of the baseline tier. */
  public AdminTier(List<AdminPolicy> all, boolean baseline) {
    policies = all.stream().filter(p -> p.baseline() == baseline).toList();
  }

  @Override
  public boolean selects(Subject pod) {
    return policies.stream().anyMatch(p -> p.selects(pod));
  }

  @Override
  public Map<String, String> invalid() {
    Map<String, String> out = new LinkedHashMap<>();
    for (AdminPolicy p : policies) {
      if (p.problem() != null) {
        out.put(p.display(), p.problem());
      }
    }
    return out;
  }

  private record Entry(AdminPolicy policy, Answer answer) {}

  @Override
  public Answer answer(Subject pod, Destination d) {
    List<Entry> ordered = new ArrayList<>();
    List<Entry> unordered = new ArrayList<>();
    for (AdminPolicy p : policies) {
      Answer a = p.answer(pod, d);
      if (a.say() != Say.NONE) {
        (p.priority() == null ? unordered : ordered).add(new Entry(p, a));
      }
    }
    ordered.sort(Comparator.comparingInt(e -> e.policy().priority()));
    List<Entry> winners = new ArrayList<>(unordered);
    if (!ordered.isEmpty()) {
      int top = ordered.get(0).policy().priority();
      ordered.stream().filter(e -> e.policy().priority() == top).forEach(winners::add);
    }
    if (winners.isEmpty()) {
      return Answer.NONE;
    }
    return agree(winners);
  }

  /** The one answer of entries without a defined order between them, or undecided. */
  private static Answer agree(List<Entry> entries) {
    Set<Say> says = new LinkedHashSet<>();
    Set<String> by = new LinkedHashSet<>();
    Set<String> rules = new LinkedHashSet<>();
    List<String> undecided = new ArrayList<>();
    for (Entry e : entries) {
      says.add(e.answer().say());
      by.addAll(e.answer().by());
      rules.addAll(e.answer().rules());
      undecided.addAll(e.answer().undecided());
    }
    if (says.contains(Say.UNDECIDED)) {
      return Answer.undecided(undecided);
    }
    if (says.size() > 1) {
      List<String> words = new ArrayList<>();
      for (Entry e : entries) {
        words.add(
            String.join(", ", e.answer().rules())
                + " says "
                + e.answer().say().name().toLowerCase(java.util.Locale.ROOT)
                + (e.policy().priority() == null
                    ? " (no priority)"
                    : " (priority " + e.policy().priority() + ")"));
      }
      return Answer.undecided(
          List.of(
              String.join("; ", words)
                  + ": their order is not defined upstream, the implementation may apply"
                  + " either"));
    }
    return new Answer(says.iterator().next(), List.copyOf(by), List.copyOf(rules), List.of());
  }
}
