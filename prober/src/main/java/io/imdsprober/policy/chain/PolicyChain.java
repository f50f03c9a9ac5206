package io.imdsprober.policy.chain;

import io.imdsprober.policy.EgressPolicies.Decision;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.chain.Answer.Say;
import java.util.List;

/**
 * The precedence of the policy tiers for one pod's egress (KEP-2091,
 * network-policy-api.sigs.k8s.io/api-overview/): the admin tier first (AdminNetworkPolicy and
 * ClusterNetworkPolicy tier Admin, by priority), then NetworkPolicy, then the baseline tier
 * (BaselineAdminNetworkPolicy, ClusterNetworkPolicy tier Baseline), then the default: allowed. An
 * allow or a deny ends the chain; a pass, or no rule, hands the decision to the next tier;
 * undecided ends it with no answer ({@link Outcome#UNKNOWN}) and the reasons. The baseline tier
 * acts only on a pod that no NetworkPolicy selects for egress (a selected pod is decided there).
 * With no admin or baseline policy, the decision is the NetworkPolicy evaluator's, unchanged. Pure.
 */
public final class PolicyChain {
  /**
   * The chain's decision.
   *
   * @param decision allowed, denied or unknown, with the allowing policies and rules
   * @param said the rules that decided ({@code AdminNetworkPolicy deny-imds egress[0]}), where one
   *     did; empty for NetworkPolicy's own decision (its rules are in {@code decision})
   * @param undecided why there is no answer, each naming the object, rule and field
   */
  public record Said(Decision decision, List<String> said, List<String> undecided) {
    public Said {
      said = List.copyOf(said);
      undecided = List.copyOf(undecided);
    }
  }

  private final PolicyFamily admin;
  private final NetworkPolicyFamily networkPolicy;
  private final PolicyFamily baseline;

  public PolicyChain(PolicyFamily admin, NetworkPolicyFamily networkPolicy, PolicyFamily baseline) {
    this.admin = admin;
    this.networkPolicy = networkPolicy;
    this.baseline = baseline;
  }

  /** What the tiers decide for the pod and the destination. */
  public Said decide(Subject pod, Destination d) {
    Answer a = admin.answer(pod, d);
    if (a.say() != Say.NONE && a.say() != Say.PASS) {
      return said(a);
    }
    Decision np = networkPolicy.decide(pod, d);
    if (np.isolated()) {
      return new Said(np, List.of(), List.of());
    }
    Answer b = baseline.answer(pod, d);
    if (b.say() == Say.ALLOW || b.say() == Say.DENY || b.say() == Say.UNDECIDED) {
      return said(b);
    }
    boolean selected = a.say() == Say.PASS || admin.selects(pod) || baseline.selects(pod);
    List<String> passed = a.say() == Say.PASS ? a.rules() : List.of();
    return new Said(
        new Decision(selected, Outcome.ALLOWED, List.of(), List.of()), passed, List.of());
  }

  private static Said said(Answer a) {
    return switch (a.say()) {
      case ALLOW ->
          new Said(new Decision(true, Outcome.ALLOWED, a.by(), a.rules()), a.rules(), List.of());
      case DENY ->
          new Said(new Decision(true, Outcome.DENIED, List.of(), List.of()), a.rules(), List.of());
      default ->
          new Said(
              new Decision(true, Outcome.UNKNOWN, List.of(), List.of()), List.of(), a.undecided());
    };
  }
}
