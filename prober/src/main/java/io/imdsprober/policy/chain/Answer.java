package io.imdsprober.policy.chain;

import java.util.List;

/**
 * What one policy family says for a pod and a destination.
 *
 * @param say allow, deny, pass, undecided, or none (no rule of the family speaks)
 * @param by the policies that said it ({@code ns/name}, or {@code Kind name} for a cluster kind)
 * @param rules the rules that said it ({@code AdminNetworkPolicy deny-imds egress[0]})
 * @param undecided why no answer could be given, each naming the object, rule and field
 */
public record Answer(Say say, List<String> by, List<String> rules, List<String> undecided) {
  /** The word of a rule, or of a family when no rule speaks. */
  public enum Say {
    ALLOW,
    DENY,
    /** Hands the decision to the next tier. */
    PASS,
    UNDECIDED,
    /** No rule of this family selects the pod and holds the destination. */
    NONE
  }

  /** No rule speaks. */
  public static final Answer NONE = new Answer(Say.NONE, List.of(), List.of(), List.of());

  public Answer {
    by = List.copyOf(by);
    rules = List.copyOf(rules);
    undecided = List.copyOf(undecided);
  }

  /** One rule of one policy said it. */
  public static Answer of(Say say, String policy, String rule) {
    return new Answer(say, List.of(policy), List.of(rule), List.of());
  }

  /** No answer, for these reasons. */
  public static Answer undecided(List<String> why) {
    return new Answer(Say.UNDECIDED, List.of(), List.of(), why);
  }
}
