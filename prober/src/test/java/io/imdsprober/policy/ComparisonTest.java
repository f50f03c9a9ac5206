package io.imdsprober.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.imdsprober.policy.Comparison.Drift;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Prediction against observation for one namespace (DESIGN.md "Policy coverage", in a sweep). Each
 * row answers one of two questions: can a tenant with {@code edit} make an exposed namespace look
 * protected (the probe-shaped hole, a policy aimed at the probe), and does the on-call engineer get
 * the right disagreement named (not enforced, blocked elsewhere) without alerts on a namespace
 * whose policy and probe agree.
 */
class ComparisonTest {
  static final List<Destination> METADATA =
      List.of(EgressPoliciesTest.IMDS, EgressPoliciesTest.IMDS6);

  static final String HOLE_FOR_ALL_BUT_PROBE =
      """
      podSelector:
        matchExpressions:
          - {key: app.kubernetes.io/name, operator: NotIn, values: [imds-probe]}
      policyTypes: [Egress]
      egress: [{}]
      """;

  static final String BLOCK_METADATA_FOR_ALL =
      """
      podSelector: {}
      policyTypes: [Egress]
      egress:
        - to:
            - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}
      """;

  static final String EXISTS_ON_NAME =
      """
      podSelector:
        matchExpressions:
          - {key: app.kubernetes.io/name, operator: Exists}
      policyTypes: [Egress]
      """;

  static final String INVALID_FOR_ALL =
      """
      podSelector:
        matchExpressions:
          - {key: app, operator: Bogus, values: [x]}
      policyTypes: [Egress]
      """;

  static Pod pod(String name, String app) {
    return EgressPoliciesTest.YAML.unmarshal(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: "
            + name
            + ", namespace: team, labels: {app: "
            + app
            + "}}\nspec: {containers: [{name: c, image: i}]}\n",
        Pod.class);
  }

  static List<HasMetadata> web(String... policySpecs) {
    List<HasMetadata> out = new ArrayList<>(EgressPoliciesTest.policies(policySpecs));
    out.add(pod("web-1", "web"));
    return out;
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(
            "policy and probe agree, nothing may reach: quiet",
            web(BLOCK_METADATA_FOR_ALL, EgressPoliciesTest.DENY_ALL),
            Verdict.PROTECTED,
            Outcome.DENIED,
            List.of(),
            Set.of(),
            false,
            List.of()),
        Arguments.of(
            "the probe-shaped hole: probe blocked as predicted, web may reach: exposed",
            web(EgressPoliciesTest.DENY_ALL, HOLE_FOR_ALL_BUT_PROBE),
            Verdict.PROTECTED,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.PROBE_TARGETED),
            true,
            List.of("Pod/web-1 by team/p1")),
        Arguments.of(
            "a degraded probe is still blocked: the hole still makes the namespace exposed",
            web(EgressPoliciesTest.DENY_ALL, HOLE_FOR_ALL_BUT_PROBE),
            Verdict.DEGRADED,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.PROBE_TARGETED),
            true,
            List.of("Pod/web-1 by team/p1")),
        Arguments.of(
            "policy blocks the probe, probe reached the endpoint: not enforced",
            web(EgressPoliciesTest.DENY_ALL),
            Verdict.EXPOSED,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.NOT_ENFORCED),
            false,
            List.of()),
        Arguments.of(
            "a gated answer (reachable) under a deny-all policy is not enforced either",
            web(BLOCK_METADATA_FOR_ALL),
            Verdict.REACHABLE,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.NOT_ENFORCED),
            false,
            List.of()),
        Arguments.of(
            "no policy, probe blocked: blocked elsewhere, web's reach is drift, not exposure",
            web(),
            Verdict.PROTECTED,
            Outcome.ALLOWED,
            List.of(),
            EnumSet.of(Drift.BLOCKED_ELSEWHERE),
            false,
            List.of("Pod/web-1 by no egress policy")),
        Arguments.of(
            "no policy, probe reached: the observation already says exposed, no drift",
            web(),
            Verdict.EXPOSED,
            Outcome.ALLOWED,
            List.of(),
            Set.of(),
            false,
            List.of("Pod/web-1 by no egress policy")),
        Arguments.of(
            "unknown policy kinds: incomplete, the hole is listed but not trusted as exposure",
            web(EgressPoliciesTest.DENY_ALL, HOLE_FOR_ALL_BUT_PROBE),
            Verdict.PROTECTED,
            Outcome.DENIED,
            List.of("CiliumNetworkPolicy"),
            EnumSet.of(Drift.PROBE_TARGETED, Drift.INCOMPLETE),
            false,
            List.of("Pod/web-1 by team/p1")),
        Arguments.of(
            "an invalid policy (the probe's prediction unknown): no drift and no exposure claimed,"
                + " the verdict stays the probe's, web's reach by a valid policy still listed",
            web(INVALID_FOR_ALL, HOLE_FOR_ALL_BUT_PROBE),
            Verdict.PROTECTED,
            Outcome.UNKNOWN,
            List.of(),
            EnumSet.of(Drift.PROBE_TARGETED),
            false,
            List.of("Pod/web-1 by team/p1")),
        Arguments.of(
            "no judgeable facts (error): no comparison, nothing claimed",
            web(EgressPoliciesTest.DENY_ALL),
            Verdict.ERROR,
            Outcome.DENIED,
            List.of(),
            Set.of(),
            false,
            List.of()),
        Arguments.of(
            "Exists on app.kubernetes.io/name is everyone's label, not aimed at the probe",
            web(EXISTS_ON_NAME),
            Verdict.EXPOSED,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.NOT_ENFORCED),
            false,
            List.of("Pod/web-1 by no egress policy")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void predictionAgainstObservation(
      String rule,
      List<HasMetadata> objects,
      Verdict observed,
      Outcome probe,
      List<String> unknownKinds,
      Set<Drift> drift,
      boolean exposed,
      List<String> mayReach) {
    Comparison c =
        Comparison.of(
            "team", observed, EgressPoliciesTest.PROBE_POD, objects, METADATA, unknownKinds);
    assertThat(c.probeAllowed()).as("the probe pod's own prediction").isEqualTo(probe);
    assertThat(c.drift()).as("drift").isEqualTo(drift);
    assertThat(c.exposed()).as("exposed by policy").isEqualTo(exposed);
    assertThat(c.mayReach()).as("workloads that may reach").isEqualTo(mayReach);
  }
}
