package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.imdsprober.facts.FactWord;
import io.imdsprober.policy.EgressPolicies.Decision;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One namespace's prediction by policy set against what its probe observed (DESIGN.md "Policy
 * coverage", in a sweep). Pure: the caller gives the namespace's pods and NetworkPolicies, the
 * probe pod's labels, the probe's verdict and the policy kinds found that the evaluator does not
 * know.
 *
 * @param drift the disagreements that hold (the {@code kind} label of {@code
 *     imds_prober_policy_drift})
 * @param mayReach the workloads that may reach a metadata target by policy, each as {@code
 *     Kind/name by ns/policy, ...}
 * @param exposed whether the namespace is {@code exposed} by policy: the probe was blocked as its
 *     policy predicts and some workload may reach a metadata target (the probe was not
 *     representative)
 * @param probeTargeted the policies ({@code ns/name}) whose pod selector names the probe's own
 *     labels
 * @param probeAllowed what the policies say for the probe pod: allowed, denied or unknown
 * @param unknownKinds the policy kinds the evaluator does not read that may act on the namespace
 *     (the prediction is then incomplete: no drift or exposure is claimed from it)
 */
public record Comparison(
    Set<Drift> drift,
    List<String> mayReach,
    boolean exposed,
    List<String> probeTargeted,
    Outcome probeAllowed,
    List<String> unknownKinds) {

  /** A disagreement between prediction and observation, or a reason not to trust either. */
  public enum Drift implements FactWord {
    /** The policy blocks the probe, the probe reached the endpoint: the CNI does not enforce it. */
    NOT_ENFORCED,
    /** The policy allows the probe, the probe was blocked: safe for a reason no policy states. */
    BLOCKED_ELSEWHERE,
    /** A policy's pod selector names the probe's labels: it exists to treat the probe apart. */
    PROBE_TARGETED,
    /** Policy kinds the evaluator does not know exist: the prediction is not trusted. */
    INCOMPLETE
  }

  public Comparison {
    drift = Set.copyOf(drift);
    mayReach = List.copyOf(mayReach);
    probeTargeted = List.copyOf(probeTargeted);
    unknownKinds = List.copyOf(unknownKinds);
  }

  /**
   * Whether a selector term names the probe: any {@code imds-prober.io/*} key, or {@code
   * app.kubernetes.io/name} with the value {@code imds-probe} (in or not in, both count; {@code
   * Exists} on {@code app.kubernetes.io/name} is everyone's label, not the probe's).
   */
  static boolean probeKey(String key, String value) {
    return key != null
        && (key.startsWith("imds-prober.io/")
            || ("app.kubernetes.io/name".equals(key) && "imds-probe".equals(value)));
  }

  /**
   * @param namespace the namespace
   * @param observed the probe's verdict
   * @param probeLabels the labels the probe pod carried
   * @param objects the namespace's pods (or workloads) and NetworkPolicies
   * @param metadata the metadata targets probed, as destinations
   * @param unknownKinds policy kinds in the cluster that the evaluator does not know
   */
  public static Comparison of(
      String namespace,
      Verdict observed,
      Map<String, String> probeLabels,
      List<? extends HasMetadata> objects,
      List<Destination> metadata,
      List<String> unknownKinds) {
    List<NetworkPolicy> policies = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof NetworkPolicy p) {
        policies.add(p);
      }
    }
    Set<Drift> drift = EnumSet.noneOf(Drift.class);
    List<String> targeted = new ArrayList<>();
    for (NetworkPolicy p : policies) {
      if (p.getSpec() != null && namesProbe(p.getSpec().getPodSelector())) {
        targeted.add(namespace + "/" + p.getMetadata().getName());
      }
    }
    if (!targeted.isEmpty()) {
      drift.add(Drift.PROBE_TARGETED);
    }
    boolean incomplete = !unknownKinds.isEmpty();
    if (incomplete) {
      drift.add(Drift.INCOMPLETE);
    }

    EgressPolicies eval = new EgressPolicies(policies);
    Outcome probe = Outcome.DENIED;
    for (Destination d : metadata) {
      Outcome o = eval.decide(namespace, probeLabels, d).outcome();
      if (o == Outcome.ALLOWED) {
        probe = Outcome.ALLOWED;
        break;
      }
      if (o == Outcome.UNKNOWN) {
        probe = Outcome.UNKNOWN;
      }
    }

    List<String> mayReach = new ArrayList<>();
    for (Coverage.Row row : Coverage.of(objects, metadata).workloads()) {
      Set<String> by = new LinkedHashSet<>();
      boolean reaches = false;
      for (Coverage.Reach r : row.reach()) {
        Decision decision = r.decision();
        if (decision.outcome() == Outcome.ALLOWED) {
          reaches = true;
          by.addAll(decision.by());
        }
      }
      if (reaches) {
        mayReach.add(
            row.workload().kind()
                + "/"
                + row.workload().name()
                + " by "
                + (by.isEmpty() ? "no egress policy" : String.join(", ", by)));
      }
    }

    boolean reached = observed == Verdict.EXPOSED || observed == Verdict.REACHABLE;
    boolean blocked = observed == Verdict.PROTECTED || observed == Verdict.DEGRADED;
    boolean exposed = false;
    if (!incomplete && probe != Outcome.UNKNOWN) {
      if (reached && probe == Outcome.DENIED) {
        drift.add(Drift.NOT_ENFORCED);
      } else if (blocked && probe == Outcome.ALLOWED) {
        // safe today for a reason no policy states: a workload's reach is drift, not exposure
        drift.add(Drift.BLOCKED_ELSEWHERE);
      } else if (blocked) {
        exposed = !mayReach.isEmpty();
      }
    }
    return new Comparison(drift, mayReach, exposed, targeted, probe, unknownKinds);
  }

  /** Whether a pod selector names the probe's own labels (matchLabels or any expression). */
  private static boolean namesProbe(LabelSelector selector) {
    if (selector == null) {
      return false;
    }
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (probeKey(e.getKey(), e.getValue())) {
          return true;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        if (values.isEmpty()
            ? probeKey(r.getKey(), null)
            : values.stream().anyMatch(v -> probeKey(r.getKey(), v))) {
          return true;
        }
      }
    }
    return false;
  }
}
