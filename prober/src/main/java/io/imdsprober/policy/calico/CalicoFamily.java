package io.imdsprober.policy.calico;

import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.calico.CalicoPolicies.Entry;
import io.imdsprober.policy.calico.CalicoPolicies.Run;
import io.imdsprober.policy.calico.CalicoPolicy.Said;
import io.imdsprober.policy.chain.Answer;
import io.imdsprober.policy.chain.Answer.Say;
import io.imdsprober.policy.chain.NetworkPolicyFamily;
import io.imdsprober.policy.chain.PolicyFamily;
import io.imdsprober.policy.chain.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Calico's evaluation of a pod's egress, in NetworkPolicy's place in the chain
 * (docs.tigera.io/calico/latest/reference/resources/tier, "How policy is evaluated"; the rule
 * reference for actions): the tiers that hold a policy selecting the pod, by order; in each, the
 * policies by order (no order last, then by name), the Kubernetes NetworkPolicies among them at
 * order 1000 of the default tier; within a policy its rules in order. Allow and Deny end it; Pass
 * goes to the next tier; Log goes on. A tier whose policies select the pod but take no action ends
 * with its defaultAction: Deny, or Pass. After the last tier, or when no tier selects the pod, the
 * pod's profiles decide: Kubernetes' profiles allow all egress (tiered-policy, "Default endpoint
 * behavior"), so the answer is PASS (some tier passed) or NONE and the chain goes on. What cannot
 * be decided where it would decide is UNDECIDED, each reason naming the object, rule and field.
 * Pure.
 */
final class CalicoFamily implements PolicyFamily {
  private final CalicoPolicies calico;
  private final NetworkPolicyFamily networkPolicies;

  CalicoFamily(CalicoPolicies calico, NetworkPolicyFamily networkPolicies) {
    this.calico = calico;
    this.networkPolicies = networkPolicies;
  }

  @Override
  public boolean selects(Subject pod) {
    return calico.selectsOwn(pod) || networkPolicies.selects(pod);
  }

  @Override
  public Map<String, String> invalid() {
    return calico.invalid();
  }

  @Override
  public Answer answer(Subject pod, Destination d) {
    Endpoint e = Endpoint.of(pod);
    for (CalicoPolicy p : calico.policies(pod.namespace())) {
      String why = calico.unplaced(p);
      if (why != null && !Boolean.FALSE.equals(p.selects(e))) {
        return Answer.undecided(List.of(p.display() + " " + why));
      }
    }
    List<String> passed = new ArrayList<>();
    for (Run run : calico.runs(pod.namespace())) {
      Answer a = tier(run, pod, e, d, passed);
      if (a != null) {
        return a;
      }
    }
    return passed.isEmpty() ? Answer.NONE : new Answer(Say.PASS, List.of(), passed, List.of());
  }

  /** One tier's word: an answer that ends the evaluation, or null (the next tier). */
  private Answer tier(Run run, Subject pod, Endpoint e, Destination d, List<String> passed) {
    List<String> selecting = new ArrayList<>();
    String maybe = null;
    for (Entry entry : run.entries()) {
      if (entry.policy() == null) {
        Answer np = kubernetes(pod, d);
        if (np == null) {
          continue;
        }
        if (np.say() != Say.NONE) {
          return np;
        }
        selecting.add("the NetworkPolicies of " + pod.namespace());
        continue;
      }
      CalicoPolicy p = entry.policy();
      Boolean selects = p.selects(e);
      if (Boolean.FALSE.equals(selects)) {
        continue;
      }
      Said said = p.evaluate(e, d, calico.sets());
      if (selects == null) {
        // whether it selects the pod is not known: harmless only if it would say nothing
        if (said.verdict() != CalicoPolicy.Verdict.NO_MATCH) {
          return Answer.undecided(List.of(p.display() + ": " + unknownSelection(p)));
        }
        maybe = p.display() + ": " + unknownSelection(p);
        continue;
      }
      switch (said.verdict()) {
        case ALLOW -> {
          return Answer.of(Say.ALLOW, p.display(), said.rule());
        }
        case DENY -> {
          return Answer.of(Say.DENY, p.display(), said.rule());
        }
        case PASS -> {
          passed.add(said.rule());
          return null;
        }
        case UNDECIDED -> {
          return Answer.undecided(List.of(said.rule()));
        }
        case NO_MATCH -> selecting.add(p.display());
      }
    }
    CalicoTier t = run.tier();
    if (t.pass()) {
      return null;
    }
    if (!selecting.isEmpty()) {
      return new Answer(
          Say.DENY,
          List.of(),
          List.of(
              t.display()
                  + " defaultAction Deny: "
                  + String.join(", ", selecting)
                  + " select the pod and no rule holds "
                  + d.word()),
          List.of());
    }
    if (maybe != null) {
      return Answer.undecided(
          List.of(maybe + "; if it does, " + t.display() + "'s defaultAction Deny applies"));
    }
    return null;
  }

  /**
   * The namespace's NetworkPolicies as one policy of the default tier: null when none selects the
   * pod for egress, ALLOW where their union allows, NONE (no rule holds: the tier goes on) where it
   * does not, UNDECIDED where an invalid one selects the pod.
   */
  private Answer kubernetes(Subject pod, Destination d) {
    Answer a = networkPolicies.answer(pod, d);
    return switch (a.say()) {
      case NONE -> null;
      case ALLOW -> a;
      case DENY -> Answer.NONE;
      default ->
          Answer.undecided(
              List.of(
                  "the NetworkPolicies of "
                      + pod.namespace()
                      + " (Calico's default tier, order 1000): an invalid one selects the pod"));
    };
  }

  private static String unknownSelection(CalicoPolicy p) {
    if (p.selector() == null) {
      return "is invalid (" + p.problem() + "), so the pods it selects are not known";
    }
    return "selects by the pod's service account or its labels, which are not known";
  }
}
