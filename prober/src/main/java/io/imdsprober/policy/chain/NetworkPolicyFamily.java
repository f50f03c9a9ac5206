package io.imdsprober.policy.chain;

import io.imdsprober.policy.EgressPolicies;
import io.imdsprober.policy.EgressPolicies.Decision;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.chain.Answer.Say;
import java.util.List;
import java.util.Map;

/**
 * networking.k8s.io/v1 NetworkPolicy as a family of the chain: {@link EgressPolicies} unchanged. A
 * pod no egress policy selects gets no answer here (the chain goes on to the baseline tier); a
 * selected pod is allowed by the union of the rules, denied otherwise, undecided where an invalid
 * policy selects it (named in {@link #invalid()}).
 */
public final class NetworkPolicyFamily implements PolicyFamily {
  private static final Destination ANY =
      new Destination(java.net.InetAddress.getLoopbackAddress(), 0, "TCP");

  private final EgressPolicies policies;

  public NetworkPolicyFamily(EgressPolicies policies) {
    this.policies = policies;
  }

  /** The evaluator's own decision, as it always was. */
  public Decision decide(Subject pod, Destination d) {
    return policies.decide(pod.namespace(), pod.labels(), d);
  }

  @Override
  public boolean selects(Subject pod) {
    // whether a pod is isolated does not depend on the destination
    return decide(pod, ANY).isolated();
  }

  @Override
  public Answer answer(Subject pod, Destination d) {
    Decision decision = decide(pod, d);
    if (!decision.isolated()) {
      return Answer.NONE;
    }
    return switch (decision.outcome()) {
      case ALLOWED -> new Answer(Say.ALLOW, decision.by(), decision.rules(), List.of());
      case DENIED -> new Answer(Say.DENY, List.of(), List.of(), List.of());
      case UNKNOWN -> new Answer(Say.UNDECIDED, List.of(), List.of(), List.of());
    };
  }

  @Override
  public Map<String, String> invalid() {
    return policies.invalid();
  }
}
