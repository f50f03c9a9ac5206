package io.imdsprober.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.Profile;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import io.imdsprober.policy.Comparison.Drift;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Prediction against observation for one namespace (DESIGN.md "Policy coverage", in a sweep). Each
 * row answers one of two questions: can a tenant with {@code edit} make an exposed namespace look
 * protected (the probe-shaped hole, a policy aimed at the probe), and does the on-call engineer get
 * the right disagreement named (not enforced, blocked elsewhere, invalid) without alerts on a
 * namespace whose policy and probe agree. Prediction and observation are compared target by target
 * (IPv4 and IPv6 apart), so the facts given are per target: the IPv4 target as the verdict says and
 * the IPv6 one unreachable at once (an IPv4-only pod) unless a row says otherwise.
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

  static final String ALLOW_V6_FOR_ALL =
      """
      podSelector: {}
      policyTypes: [Egress]
      egress:
        - to:
            - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}
            - ipBlock: {cidr: '::/0'}
      """;

  static final String WEB_TO_IMDS =
      """
      podSelector: {matchLabels: {app: web}}
      policyTypes: [Egress]
      egress:
        - to: [{ipBlock: {cidr: 169.254.169.254/32}}]
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

  /** A pod of ReplicaSet {@code owner} with these labels (and hostNetwork when asked). */
  static Pod replica(String name, String owner, String labels, boolean hostNetwork) {
    return EgressPoliciesTest.YAML.unmarshal(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "
            + name
            + "\n  namespace: team\n  labels: "
            + labels
            + "\n  ownerReferences:\n"
            + "    - {apiVersion: apps/v1, kind: ReplicaSet, name: "
            + owner
            + ", uid: u1, controller: true}\n"
            + "spec: {hostNetwork: "
            + hostNetwork
            + ", containers: [{name: c, image: i}]}\n",
        Pod.class);
  }

  static List<HasMetadata> web(String... policySpecs) {
    List<HasMetadata> out = new ArrayList<>(EgressPoliciesTest.policies(policySpecs));
    out.add(pod("web-1", "web"));
    return out;
  }

  static List<HasMetadata> with(List<HasMetadata> objects, HasMetadata... more) {
    List<HasMetadata> out = new ArrayList<>(objects);
    out.addAll(List.of(more));
    return out;
  }

  static MetadataFact fact(String target, TcpResult tcp, long ms) {
    return new MetadataFact(
        target,
        Profile.AWS,
        RequestMode.HTTP,
        tcp,
        ms,
        tcp == TcpResult.CONNECTED ? 200 : null,
        null,
        TokenResult.NOT_TRIED,
        1,
        null);
  }

  static final MetadataFact V4_OPEN = fact("169.254.169.254:80", TcpResult.CONNECTED, 2);
  static final MetadataFact V4_DROPPED = fact("169.254.169.254:80", TcpResult.TIMEOUT, 3000);
  static final MetadataFact V6_NO_ROUTE = fact("[fd00:ec2::254]:80", TcpResult.UNREACHABLE, 0);
  static final MetadataFact V6_DROPPED = fact("[fd00:ec2::254]:80", TcpResult.TIMEOUT, 3000);
  static final MetadataFact V6_OPEN = fact("[fd00:ec2::254]:80", TcpResult.CONNECTED, 2);

  /** The IPv4 target as the verdict says (reached or dropped), IPv6 with no route. */
  static List<MetadataFact> as(Verdict v) {
    boolean reached = v == Verdict.EXPOSED || v == Verdict.REACHABLE;
    return List.of(reached ? V4_OPEN : V4_DROPPED, V6_NO_ROUTE);
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        row(
            "policy and probe agree, nothing may reach: quiet",
            web(BLOCK_METADATA_FOR_ALL, EgressPoliciesTest.DENY_ALL),
            Verdict.PROTECTED,
            Outcome.DENIED,
            List.of(),
            Set.of(),
            false,
            List.of()),
        row(
            "the probe-shaped hole: probe blocked as predicted, web may reach: exposed",
            web(EgressPoliciesTest.DENY_ALL, HOLE_FOR_ALL_BUT_PROBE),
            Verdict.PROTECTED,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.PROBE_TARGETED),
            true,
            List.of("Pod/web-1 by team/p1")),
        row(
            "a degraded probe is still blocked: the hole still makes the namespace exposed",
            web(EgressPoliciesTest.DENY_ALL, HOLE_FOR_ALL_BUT_PROBE),
            Verdict.DEGRADED,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.PROBE_TARGETED),
            true,
            List.of("Pod/web-1 by team/p1")),
        row(
            "policy blocks the probe, probe reached the endpoint: not enforced",
            web(EgressPoliciesTest.DENY_ALL),
            Verdict.EXPOSED,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.NOT_ENFORCED),
            false,
            List.of()),
        row(
            "a gated answer (reachable) under a deny-all policy is not enforced either",
            web(BLOCK_METADATA_FOR_ALL),
            Verdict.REACHABLE,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.NOT_ENFORCED),
            false,
            List.of()),
        row(
            "no policy, probe blocked: blocked elsewhere (IPv4), web's reach is drift, not"
                + " exposure; the IPv6 target the pod cannot route is not called blocked elsewhere",
            web(),
            Verdict.PROTECTED,
            Outcome.ALLOWED,
            List.of(),
            EnumSet.of(Drift.BLOCKED_ELSEWHERE),
            false,
            List.of("Pod/web-1 by no egress policy")),
        row(
            "no policy, probe reached: the observation already says exposed, no drift",
            web(),
            Verdict.EXPOSED,
            Outcome.ALLOWED,
            List.of(),
            Set.of(),
            false,
            List.of("Pod/web-1 by no egress policy")),
        row(
            "unknown policy kinds: incomplete, the hole is listed but not trusted as exposure",
            web(EgressPoliciesTest.DENY_ALL, HOLE_FOR_ALL_BUT_PROBE),
            Verdict.PROTECTED,
            Outcome.DENIED,
            List.of("CiliumNetworkPolicy"),
            EnumSet.of(Drift.PROBE_TARGETED, Drift.INCOMPLETE),
            false,
            List.of("Pod/web-1 by team/p1")),
        row(
            "an invalid policy selecting the probe (its prediction unknown) is named as drift and"
                + " suppresses nothing: web, allowed by a valid policy, keeps the namespace exposed",
            web(INVALID_FOR_ALL, HOLE_FOR_ALL_BUT_PROBE),
            Verdict.PROTECTED,
            Outcome.UNKNOWN,
            List.of(),
            EnumSet.of(Drift.PROBE_TARGETED, Drift.INVALID),
            true,
            List.of("Pod/web-1 by team/p1")),
        row(
            "an invalid policy beside a deny-all, the probe reached: not claimed not-enforced (the"
                + " unreadable policy may allow it), named invalid instead",
            web(EgressPoliciesTest.DENY_ALL, INVALID_FOR_ALL),
            Verdict.EXPOSED,
            Outcome.UNKNOWN,
            List.of(),
            EnumSet.of(Drift.INVALID),
            false,
            List.of()),
        row(
            "no judgeable facts (error): no comparison, nothing claimed",
            web(EgressPoliciesTest.DENY_ALL),
            Verdict.ERROR,
            Outcome.DENIED,
            List.of(),
            Set.of(),
            false,
            List.of()),
        row(
            "Exists on app.kubernetes.io/name is everyone's label, not aimed at the probe",
            web(EXISTS_ON_NAME),
            Verdict.EXPOSED,
            Outcome.DENIED,
            List.of(),
            EnumSet.of(Drift.NOT_ENFORCED),
            false,
            List.of("Pod/web-1 by no egress policy")),
        row(
            "::/0 allowed on an IPv4-only probe, web allowed 169.254.169.254 by its own policy:"
                + " exposed (the IPv6 allow does not make the IPv4 block 'elsewhere')",
            web(ALLOW_V6_FOR_ALL, WEB_TO_IMDS),
            Verdict.PROTECTED,
            Outcome.ALLOWED,
            List.of(),
            Set.of(),
            true,
            List.of("Pod/web-1 by team/p1, team/p0")),
        row(
            "::/0 allowed, the IPv4 target denied and yet reached: not enforced, whatever IPv6 says",
            web(ALLOW_V6_FOR_ALL),
            Verdict.EXPOSED,
            Outcome.ALLOWED,
            List.of(),
            EnumSet.of(Drift.NOT_ENFORCED),
            false,
            List.of("Pod/web-1 by team/p0")));
  }

  static Arguments row(
      String rule,
      List<HasMetadata> objects,
      Verdict observed,
      Outcome probe,
      List<String> unknownKinds,
      Set<Drift> drift,
      boolean exposed,
      List<String> mayReach) {
    return Arguments.of(
        rule, objects, observed, as(observed), probe, unknownKinds, drift, exposed, mayReach);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void predictionAgainstObservation(
      String rule,
      List<HasMetadata> objects,
      Verdict observed,
      List<MetadataFact> facts,
      Outcome probe,
      List<String> unknownKinds,
      Set<Drift> drift,
      boolean exposed,
      List<String> mayReach) {
    Comparison c =
        Comparison.of(
            "team", observed, facts, EgressPoliciesTest.PROBE_POD, objects, METADATA, unknownKinds);
    assertThat(c.probeAllowed()).as("the probe pod's own prediction").isEqualTo(probe);
    assertThat(c.drift()).as("drift").isEqualTo(drift);
    assertThat(c.exposed()).as("exposed by policy").isEqualTo(exposed);
    assertThat(c.mayReach()).as("workloads that may reach").isEqualTo(mayReach);
  }

  static Comparison compare(Verdict v, List<MetadataFact> facts, List<HasMetadata> objects) {
    return Comparison.of(
        "team", v, facts, EgressPoliciesTest.PROBE_POD, objects, METADATA, List.of());
  }

  @Test
  @DisplayName(
      "::/0 allowed and the IPv6 target dropped (a dual-stack pod): blocked elsewhere for IPv6"
          + " only, the IPv4 target agrees with its policy; each target's answer is kept")
  void blockedElsewhereOnlyWhereAllowed() {
    Comparison c =
        compare(Verdict.PROTECTED, List.of(V4_DROPPED, V6_DROPPED), web(ALLOW_V6_FOR_ALL));
    assertThat(c.drift()).containsExactly(Drift.BLOCKED_ELSEWHERE);
    assertThat(c.targets())
        .extracting(t -> t.to().word() + " " + t.probe() + " " + t.observed().word())
        .containsExactly(
            "169.254.169.254:80/TCP DENIED blocked", "[fd00:ec2::254]:80/TCP ALLOWED blocked");
    assertThat(c.exposed()).as("web's IPv6 reach is drift where it is blocked elsewhere").isFalse();
  }

  @Test
  @DisplayName(
      "a replica relabelled into a policy that allows metadata: exposed, the owner named with the"
          + " label set that reaches; its siblings do not hide it, in either listing order")
  void relabelledReplica() {
    String allowMaster =
        """
        podSelector: {matchLabels: {role: master}}
        policyTypes: [Egress]
        egress: [{to: [{ipBlock: {cidr: 169.254.169.254/32}}]}]
        """;
    for (boolean masterFirst : List.of(true, false)) {
      List<HasMetadata> objects =
          new ArrayList<>(EgressPoliciesTest.policies(EgressPoliciesTest.DENY_ALL, allowMaster));
      Pod replica = replica("pg-1-a", "pg-1", "{app: pg}", false);
      Pod master = replica("pg-1-b", "pg-1", "{app: pg, role: master}", false);
      objects.addAll(masterFirst ? List.of(master, replica) : List.of(replica, master));

      Comparison c = compare(Verdict.PROTECTED, as(Verdict.PROTECTED), objects);

      assertThat(c.exposed()).isTrue();
      assertThat(c.mayReach())
          .containsExactly("ReplicaSet/pg-1 with labels {app=pg, role=master} by team/p1");
      assertThat(c.workloads())
          .singleElement()
          .satisfies(
              w -> {
                assertThat(w.kind() + "/" + w.name()).isEqualTo("ReplicaSet/pg-1");
                assertThat(w.labelSets())
                    .as("every label set the owner carries")
                    .extracting(s -> s.labels() + " " + s.mayReach())
                    .containsExactlyInAnyOrder(
                        "{app=pg} []", "{app=pg, role=master} [169.254.169.254:80/TCP]");
              });
    }
  }

  @Test
  @DisplayName(
      "a StatefulSet whose pods differ only by their pod-name label, all allowed by one policy:"
          + " one line for the owner, every label set still in its report")
  void allLabelSetsAlike() {
    List<HasMetadata> objects =
        new ArrayList<>(
            EgressPoliciesTest.policies(
                EgressPoliciesTest.DENY_ALL,
                "podSelector: {matchLabels: {app: pg}}\npolicyTypes: [Egress]\n"
                    + "egress: [{to: [{ipBlock: {cidr: 169.254.169.254/32}}]}]\n"));
    for (int i = 0; i < 3; i++) {
      objects.add(
          replica(
              "pg-" + i,
              "pg",
              "{app: pg, statefulset.kubernetes.io/pod-name: pg-" + i + "}",
              false));
    }
    Comparison c = compare(Verdict.PROTECTED, as(Verdict.PROTECTED), objects);
    assertThat(c.mayReach()).containsExactly("ReplicaSet/pg by team/p1");
    assertThat(c.workloads().get(0).labelSets()).hasSize(3);
    assertThat(c.exposed()).isTrue();

    // one more pod of the owner that no policy lets out: the line counts the sets, bounded
    for (int i = 3; i < 6; i++) {
      objects.add(
          replica(
              "pg-" + i,
              "pg",
              "{app: pg, statefulset.kubernetes.io/pod-name: pg-" + i + "}",
              false));
    }
    objects.add(replica("pg-x", "pg", "{app: other}", false));
    assertThat(compare(Verdict.PROTECTED, as(Verdict.PROTECTED), objects).mayReach())
        .containsExactly("ReplicaSet/pg (6 of 7 label sets) by team/p1");
  }

  @Test
  @DisplayName(
      "a hostNetwork pod under a deny-all policy may reach every metadata target: exposed, said"
          + " so; an IPv6 target no pod can route is listed for it, not made an exposure")
  void hostNetworkPod() {
    List<HasMetadata> objects =
        with(
            EgressPoliciesTest.policies(EgressPoliciesTest.DENY_ALL).stream()
                .map(HasMetadata.class::cast)
                .toList(),
            replica("agent-x", "agent", "{app: agent}", true));
    Comparison c = compare(Verdict.PROTECTED, as(Verdict.PROTECTED), objects);
    assertThat(c.exposed()).isTrue();
    assertThat(c.mayReach())
        .containsExactly("ReplicaSet/agent by hostNetwork (NetworkPolicy does not apply)");
    assertThat(c.workloads().get(0).labelSets().get(0).mayReach())
        .containsExactly("169.254.169.254:80/TCP", "[fd00:ec2::254]:80/TCP");

    // no policy: the IPv4 block is elsewhere (drift), IPv6 has no route: listed, not exposed
    List<HasMetadata> open = List.of(replica("agent-x", "agent", "{app: agent}", true));
    Comparison elsewhere = compare(Verdict.PROTECTED, as(Verdict.PROTECTED), open);
    assertThat(elsewhere.drift()).containsExactly(Drift.BLOCKED_ELSEWHERE);
    assertThat(elsewhere.mayReach()).hasSize(1);
    assertThat(elsewhere.exposed()).isFalse();
  }

  @Test
  @DisplayName(
      "a block ::ffff:169.254.0.0/112 for web beside a deny-all: not claimed exposed nor denied,"
          + " named as drift invalid (how the CNI reads it decides)")
  void mappedBlockNamed() {
    Comparison c =
        compare(
            Verdict.PROTECTED,
            as(Verdict.PROTECTED),
            web(
                EgressPoliciesTest.DENY_ALL,
                "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\n"
                    + "egress: [{to: [{ipBlock: {cidr: '::ffff:169.254.0.0/112'}}]}]\n"));
    assertThat(c.drift()).containsExactly(Drift.INVALID);
    assertThat(c.invalid()).singleElement().asString().startsWith("team/p1: spec.egress[0].to[0]");
    assertThat(c.probeAllowed()).as("the probe is not selected by it").isEqualTo(Outcome.DENIED);
    assertThat(c.exposed()).isFalse();
  }

  @Test
  @DisplayName("an invalid policy is named with what is wrong, as drift kind invalid")
  void invalidNamed() {
    Comparison c = compare(Verdict.PROTECTED, as(Verdict.PROTECTED), web(INVALID_FOR_ALL));
    assertThat(c.drift()).contains(Drift.INVALID);
    assertThat(c.invalid())
        .containsExactly(
            "team/p0: spec.podSelector: matchExpressions app: unknown operator 'Bogus'");
    assertThat(Drift.INVALID.word()).isEqualTo("invalid");
  }
}
