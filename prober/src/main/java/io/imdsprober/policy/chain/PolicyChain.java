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
 * With no admin or baseline policy, the decision is the NetworkPolicy evaluator's, unchanged. Where
 * a CNI's own kinds exist (Calico, Cilium), the CNI's combination of them with NetworkPolicy takes
 * NetworkPolicy's place ({@link CniPolicies}). Pure.
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
  private final PolicyFamily middle;
  private final PolicyFamily baseline;

  public PolicyChain(PolicyFamily admin, NetworkPolicyFamily networkPolicy, PolicyFamily baseline) {
    this(admin, networkPolicy, networkPolicy, baseline);
  }

  /**
   * @param middle the family in NetworkPolicy's place: {@code networkPolicy} itself, or a CNI's
   *     kinds combined with it ({@link CniPolicies#over})
   */
  public PolicyChain(
      PolicyFamily admin,
      NetworkPolicyFamily networkPolicy,
      PolicyFamily middle,
      PolicyFamily baseline) {
    this.admin = admin;
    this.networkPolicy = networkPolicy;
    this.middle = middle;
    this.baseline = baseline;
  }

  /** What the tiers decide for the pod and the destination. */
  public Said decide(Subject pod, Destination d) {
    Answer a = admin.answer(pod, d);
    if (a.say() != Say.NONE && a.say() != Say.PASS) {
      return said(a);
    }
    Answer m = Answer.NONE;
    if (middle == networkPolicy) {
      Decision np = networkPolicy.decide(pod, d);
      if (np.isolated()) {
        return new Said(np, List.of(), List.of());
      }
    } else {
      m = middle.answer(pod, d);
      if (m.say() != Say.NONE && m.say() != Say.PASS) {
        return said(m);
      }
    }
    Answer b = baseline.answer(pod, d);
    if (b.say() == Say.ALLOW || b.say() == Say.DENY || b.say() == Say.UNDECIDED) {
      return said(b);
    }
    boolean selected =
        a.say() == Say.PASS
            || m.say() == Say.PASS
            || admin.selects(pod)
            || (middle != networkPolicy && middle.selects(pod))
            || baseline.selects(pod);
    List<String> passed = new java.util.ArrayList<>();
    if (a.say() == Say.PASS) {
      passed.addAll(a.rules());
    }
    if (m.say() == Say.PASS) {
      passed.addAll(m.rules());
    }
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
