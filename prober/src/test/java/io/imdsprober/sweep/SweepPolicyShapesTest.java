package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Comparison.Drift;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.Observed;
import io.imdsprober.report.JsonReport;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The four policy shapes of issue 20 through a whole sweep against the mock API server: a tenant
 * with {@code edit} writes each to keep a workload's reach to the metadata service out of sight
 * (the probe itself is blocked in every namespace here, IPv4 dropped and IPv6 unreachable at once,
 * as on an IPv4-only pod network). Each namespace ends with the right verdict, reason and drift
 * within the probe deadline, and the JSON report shows what decided it.
 */
class SweepPolicyShapesTest extends SweepTestCase {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** The sweep ends within the probe deadline (5 s) plus the result grace and some slack. */
  private static final long SWEEP_BOUND_MS = 9_000;

  static final String DENY_ALL = "podSelector: {}\npolicyTypes: [Egress]\n";

  void create(String yaml) {
    fx.cluster.admin.resource(YAML.unmarshal(yaml, HasMetadata.class)).create();
  }

  void policy(String ns, String name, String spec) {
    create(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: "
            + name
            + ", namespace: "
            + ns
            + "}\nspec:\n"
            + spec.indent(2));
  }

  /** A pod owned (controller) by {@code ownerKind/owner}, with these labels. */
  void pod(String ns, String name, String ownerKind, String owner, String labels, boolean host) {
    create(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "
            + name
            + "\n  namespace: "
            + ns
            + "\n  labels: "
            + labels
            + "\n  ownerReferences:\n    - {apiVersion: apps/v1, kind: "
            + ownerKind
            + ", name: "
            + owner
            + ", uid: u-"
            + ns
            + "-"
            + owner
            + ", controller: true}\n"
            + "spec: {hostNetwork: "
            + host
            + ", containers: [{name: c, image: i}]}\n");
  }

  static String toImds(String selector) {
    return "podSelector: "
        + selector
        + "\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: 169.254.169.254/32}}]\n";
  }

  static final String ALL_BUT_IMDS_AND_ANY_V6 =
      """
      podSelector: {}
      policyTypes: [Egress]
      egress:
        - to:
            - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}
            - ipBlock: {cidr: '::/0'}
      """;

  @Test
  @DisplayName(
      "the four shapes: ::/0 on an IPv4-only probe, a relabelled replica, a hostNetwork pod, an"
          + " invalid policy beside a valid allowing one: each exposed by policy, named; an"
          + " IPv4-mapped IPv6 block is read as IPv6 and the namespace stays protected, quietly")
  void policyShapes() throws Exception {
    // (a) every pod may reach ::/0 (common), web may reach 169.254.169.254 by its own policy
    fx.cluster.namespace("v6open");
    policy("v6open", "everything", ALL_BUT_IMDS_AND_ANY_V6);
    policy("v6open", "web-to-imds", toImds("{matchLabels: {app: web}}"));
    pod("v6open", "web-5d8f-x1", "ReplicaSet", "web-5d8f", "{app: web}", false);
    // the same without web's policy: the IPv6 target the pod cannot route is no drift
    fx.cluster.namespace("v6quiet");
    policy("v6quiet", "everything", ALL_BUT_IMDS_AND_ANY_V6);
    pod("v6quiet", "web-5d8f-x1", "ReplicaSet", "web-5d8f", "{app: web}", false);

    // (b) one replica of a StatefulSet relabelled into a policy that allows metadata; its
    // sibling is listed first, as the one pod that used to stand for all
    fx.cluster.namespace("patroni");
    policy("patroni", "deny", DENY_ALL);
    policy("patroni", "master-to-imds", toImds("{matchLabels: {role: master}}"));
    pod("patroni", "pg-0", "StatefulSet", "pg", "{app: pg}", false);
    pod("patroni", "pg-1", "StatefulSet", "pg", "{app: pg, role: master}", false);
    pod("patroni", "pg-2", "StatefulSet", "pg", "{app: pg}", false);

    // (c) a hostNetwork pod under a deny-all policy
    fx.cluster.namespace("hostnet");
    policy("hostnet", "deny", DENY_ALL);
    pod("hostnet", "agent-x1", "DaemonSet", "node-agent", "{app: agent}", true);

    // (d) an IPv4-mapped IPv6 block (the API server accepts it, reads it as IPv6) ...
    fx.cluster.namespace("mapped");
    policy(
        "mapped",
        "all-but-metadata",
        """
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to:
              - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}
              - ipBlock: {cidr: '::ffff:10.0.0.0/104'}
        """);
    pod("mapped", "web-5d8f-x1", "ReplicaSet", "web-5d8f", "{app: web}", false);
    // ... and a policy the evaluator cannot read (leading zeros) beside a valid allowing one
    fx.cluster.namespace("zeros");
    policy("zeros", "deny", DENY_ALL);
    policy(
        "zeros",
        "leading-zeros",
        "podSelector: {}\npolicyTypes: [Egress]\n"
            + "egress:\n  - to: [{ipBlock: {cidr: 010.0.0.0/8}}]\n");
    policy("zeros", "web-to-imds", toImds("{matchLabels: {app: web}}"));
    pod("zeros", "web-5d8f-x1", "ReplicaSet", "web-5d8f", "{app: web}", false);

    SweepResult r = fx.sweep(Map.of());
    assertThat(r.durationMs()).as("within the probe deadline").isLessThan(SWEEP_BOUND_MS);
    Map<String, NamespaceResult> by = SweepPolicyTest.byNamespace(r);

    NamespaceResult v6open = by.get("v6open");
    assertThat(v6open.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(v6open.judgement().reason())
        .isEqualTo(
            PolicyPredictions.REASON
                + ": ReplicaSet/web-5d8f by v6open/web-to-imds, v6open/everything");
    assertThat(v6open.policy().drift()).as("not 'blocked elsewhere'").isEmpty();
    assertThat(v6open.policy().targets())
        .extracting(t -> t.to().word() + " " + t.probe() + " " + t.observed())
        .containsExactly(
            "169.254.169.254:80/TCP " + Outcome.DENIED + " " + Observed.BLOCKED,
            "[fd00:ec2::254]:80/TCP " + Outcome.ALLOWED + " " + Observed.NO_IPV6);

    NamespaceResult v6quiet = by.get("v6quiet");
    assertThat(v6quiet.judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(v6quiet.policy().drift()).isEmpty();

    NamespaceResult patroni = by.get("patroni");
    assertThat(patroni.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(patroni.judgement().reason())
        .isEqualTo(
            PolicyPredictions.REASON
                + ": StatefulSet/pg with labels {app=pg, role=master} by patroni/master-to-imds");

    NamespaceResult hostnet = by.get("hostnet");
    assertThat(hostnet.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(hostnet.judgement().reason())
        .isEqualTo(
            PolicyPredictions.REASON
                + ": DaemonSet/node-agent by hostNetwork (NetworkPolicy does not apply)");

    NamespaceResult mapped = by.get("mapped");
    assertThat(mapped.judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(mapped.policy().invalid()).as("the API server's reading, not a rejection").isEmpty();
    assertThat(mapped.policy().drift()).isEmpty();
    assertThat(mapped.policy().probeAllowed()).isEqualTo(Outcome.DENIED);

    NamespaceResult zeros = by.get("zeros");
    assertThat(zeros.judgement().verdict())
        .as("the unreadable policy suppresses nothing the valid one allows")
        .isEqualTo(Verdict.EXPOSED);
    assertThat(zeros.judgement().reason())
        .isEqualTo(PolicyPredictions.REASON + ": ReplicaSet/web-5d8f by zeros/web-to-imds");
    assertThat(zeros.policy().drift()).containsExactly(Drift.INVALID);
    assertThat(zeros.policy().invalid())
        .singleElement()
        .asString()
        .startsWith("zeros/leading-zeros: spec.egress[0].to[0]: ipBlock.cidr '010.0.0.0/8'")
        .contains("leading zero");

    // the JSON report: DESIGN.md's keys, and the detail that decided each namespace
    JsonNode report = JSON.readTree(JsonReport.render(r));
    Map<String, JsonNode> json = new java.util.HashMap<>();
    report.get("namespaces").forEach(n -> json.put(n.get("namespace").asString(), n.get("policy")));
    for (JsonNode p : json.values()) {
      assertThat(names(p))
          .contains("probe", "mayReach", "drift", "probeTargeted", "unknownKinds", "invalid");
    }
    JsonNode pg = json.get("patroni").get("workloads").get(0);
    assertThat(pg.get("kind").asString() + "/" + pg.get("name").asString())
        .isEqualTo("StatefulSet/pg");
    List<String> sets = new ArrayList<>();
    pg.get("labelSets").forEach(s -> sets.add(s.get("labels") + " " + s.get("mayReach")));
    assertThat(sets)
        .as("every label set of the owner, one per set, not per pod")
        .containsExactlyInAnyOrder(
            "{\"app\":\"pg\"} []",
            "{\"app\":\"pg\",\"role\":\"master\"} [\"169.254.169.254:80/TCP\"]");
    assertThat(
            json.get("hostnet")
                .get("workloads")
                .get(0)
                .get("labelSets")
                .get(0)
                .get("hostNetwork")
                .asBoolean())
        .isTrue();
    assertThat(json.get("zeros").get("invalid").get(0).asString())
        .startsWith("zeros/leading-zeros: ");
    assertThat(json.get("zeros").get("drift").toString()).isEqualTo("[\"invalid\"]");
    assertThat(json.get("v6open").get("targets").get(1).get("observed").asString())
        .isEqualTo("no-ipv6");
  }

  private static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.propertyNames().forEach(out::add);
    return out;
  }
}
