package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.report.NamespaceEvents;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import io.imdsprober.sweep.ProbeJobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** {@code sweep --once} as a user runs it, against the mock API server named by a kubeconfig. */
class SweepCommandTest {
  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;
  Path kubeconfig;

  @BeforeEach
  void setUp() throws Exception {
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
    kubeconfig = cluster.kubeconfig(dir);
  }

  @AfterEach
  void tearDown() {
    kubelet.close();
    cluster.close();
  }

  @Test
  @DisplayName(
      "the table fits 120 columns however long a reason is (cut with an ellipsis, namespace and"
          + " verdict whole); --wide prints the whole reason, still one line per namespace")
  void tableFitsAndWideShowsAll() throws Exception {
    cluster.namespace("quota-bound-team-with-a-rather-long-name");
    String quota =
        "Error creating: pods \"imds-probe-x\" is forbidden: exceeded quota: compute-resources,"
            + " requested: limits.cpu=500m,limits.memory=128Mi, used: limits.cpu=7800m,"
            + " limits.memory=15872Mi, limited: limits.cpu=8,limits.memory=16Gi";
    kubelet.script("quota-bound-team-with-a-rather-long-name", FakeKubelet.failedCreate(quota));
    cluster.namespace("fine");

    Cli.Result table = Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString());
    List<String> lines = table.out().lines().toList();
    assertThat(lines)
        .as(table.out())
        .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(120));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("quota-bound-team-with-a-rather-long-name")
                    .contains("error")
                    .endsWith("…"));

    Cli.Result wide = Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--wide");
    assertThat(wide.out().lines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("quota-bound-team-with-a-rather-long-name")
                    .contains("limited: limits.cpu=8,limits.memory=16Gi"));
    assertThat(wide.out().lines().filter(l -> l.startsWith("fine")).count()).isEqualTo(1);
  }

  @Test
  @DisplayName(
      "sweep --once: a forged result is error/tampered (exit 2, never protected) with a ProbeTampered Event")
  void tamperedProbe() throws Exception {
    cluster.namespace("forged");
    kubelet.script(
        "forged",
        FakeKubelet.facts(
            ProbeFacts.PROTECTED.replace(ProbeFacts.POD_FIELD, "\"pod\":\"web-7d9f-x\"")));

    Cli.Result r =
        Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--output", "json");

    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).contains("\"verdict\":\"error\"").contains("\"reason\":\"tampered\"");
    assertThat(cluster.admin.v1().events().inNamespace("forged").list().getItems())
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo(NamespaceEvents.TAMPERED);
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("the facts name pod 'web-7d9f-x'");
              assertThat(e.getInvolvedObject().getKind()).isEqualTo("Namespace");
            });
  }

  @Test
  @DisplayName(
      "--output json is the report of DESIGN.md; --junit has one case per namespace; exit 1 on exposure")
  void jsonAndJunit() throws Exception {
    cluster.namespace("safe");
    cluster.namespace("open");
    cluster.namespace("quiet", Map.of(), Map.of("imds-prober.io/skip", "true"));
    kubelet.script("open", FakeKubelet.facts(ProbeFacts.EXPOSED));
    Path junit = dir.resolve("report.xml");

    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            kubeconfig.toString(),
            "--output",
            "json",
            "--junit",
            junit.toString());

    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    Map<String, Object> report = new KubernetesSerialization().unmarshal(r.out(), Map.class);
    // DESIGN.md's keys, and (issue 23) the references auditors use, per finding kind
    assertThat(report)
        .containsOnlyKeys("sweep", "started", "durationMs", "references", "namespaces");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> namespaces = (List<Map<String, Object>>) report.get("namespaces");
    assertThat(namespaces)
        .extracting(n -> n.get("namespace"))
        .containsExactly("open", "quiet", "safe");
    assertThat(namespaces)
        .allSatisfy(
            n ->
                assertThat(n)
                    .containsOnlyKeys(
                        "namespace",
                        "verdict",
                        "reason",
                        "detail",
                        "asExpected",
                        "expect",
                        "policy",
                        "pool",
                        "findings",
                        "facts"));
    assertThat(namespaces)
        .extracting(n -> n.get("verdict"))
        .containsExactly("exposed", "skipped", "protected");
    assertThat(namespaces.get(1).get("facts")).isNull();
    // the policy section: none for a skipped namespace; no NetworkPolicy anywhere, so the probe is
    // allowed by policy: where it reached the endpoint, policy and probe agree; where it was
    // blocked, something no policy states blocked it
    assertThat(namespaces.get(1).get("policy")).isNull();
    assertThat(namespaces.get(0).get("policy"))
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsOnlyKeys(
            "probe",
            "mayReach",
            "drift",
            "probeTargeted",
            "unknownKinds",
            "targets",
            "workloads",
            "invalid",
            "undecided")
        .containsAllEntriesOf(
            Map.of(
                "probe",
                "allowed",
                "mayReach",
                List.of(),
                "drift",
                List.of(),
                "probeTargeted",
                List.of(),
                "unknownKinds",
                List.of()));
    assertThat(namespaces.get(2).get("policy"))
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsOnlyKeys(
            "probe",
            "mayReach",
            "drift",
            "probeTargeted",
            "unknownKinds",
            "targets",
            "workloads",
            "invalid",
            "undecided")
        .containsAllEntriesOf(
            Map.of(
                "probe",
                "allowed",
                "mayReach",
                List.of(),
                "drift",
                List.of("blocked-elsewhere"),
                "probeTargeted",
                List.of(),
                "unknownKinds",
                List.of()));
    // per target: the exposed namespace reached the IPv4 target, its pod had no IPv6
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> targets =
        (List<Map<String, Object>>)
            ((Map<String, Object>) namespaces.get(0).get("policy")).get("targets");
    assertThat(targets)
        .extracting(t -> t.get("to") + " " + t.get("probe") + " " + t.get("observed"))
        .containsExactly(
            "169.254.169.254:80/TCP allowed reached", "[fd00:ec2::254]:80/TCP allowed no-ipv6");
    @SuppressWarnings("unchecked")
    Map<String, Object> facts = (Map<String, Object>) namespaces.get(0).get("facts");
    assertThat(facts).containsKeys("v", "metadata", "dns", "egress");

    Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
    var suite = xml.getDocumentElement();
    assertThat(suite.getAttribute("tests")).isEqualTo("3");
    assertThat(suite.getAttribute("failures")).isEqualTo("1");
    assertThat(suite.getAttribute("skipped")).isEqualTo("1");
    assertThat(
            xml.getElementsByTagName("failure")
                .item(0)
                .getParentNode()
                .getAttributes()
                .getNamedItem("name")
                .getNodeValue())
        .isEqualTo("open");
  }

  @Test
  @DisplayName(
      "the table names each namespace's verdict, metadata detail and reason; exit 0 when all protected")
  void table() {
    cluster.namespace("safe");
    Cli.Result r = Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("NAMESPACE", "VERDICT", "METADATA", "DNS", "EGRESS", "REASON")
        .containsPattern(
            "safe\\s+protected\\s+169\\.254\\.169\\.254:80 timeout, .*\\s+ok\\s+ok 200\\s+metadata blocked")
        .contains("protected=1");
  }

  @Test
  @DisplayName(
      "a sweep whose every probe fails to pull its image says so in one line: build, push, pass"
          + " by digest; one probe that ran is enough to say nothing")
  void everyPullFailed() {
    cluster.namespace("shop");
    cluster.namespace("web");
    cluster.namespace("quiet", Map.of(), Map.of("imds-prober.io/skip", "true"));
    kubelet.script("shop", FakeKubelet.stuck(pullFailed("ImagePullBackOff")));
    kubelet.script("web", FakeKubelet.stuck(pullFailed("ImagePullBackOff")));

    // a pull that the kubelet retries is an error at the probe's deadline: a short one here
    Cli.Result r =
        Cli.run(
            "sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--set", "probe.deadline=5s");

    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).containsPattern("shop\\s+error").containsPattern("web\\s+error");
    List<String> hint = r.err().lines().filter(l -> l.contains("failed to pull")).toList();
    assertThat(hint)
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .startsWith("every probe failed to pull its image ghcr.io/imds-prober/")
                    .contains("push it", "by digest", "--image or probe.image"));

    cluster.namespace("fine");
    kubelet.script("shop", FakeKubelet.stuck(pullFailed("ErrImageNeverPull")));
    kubelet.script("web", FakeKubelet.stuck(pullFailed("ErrImageNeverPull")));
    Cli.Result some = Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString());
    assertThat(some.out()).containsPattern("shop\\s+error").containsPattern("web\\s+error");
    assertThat(some.out()).containsPattern("fine\\s+protected");
    assertThat(some.err()).doesNotContain("failed to pull");
  }

  private static PodStatus pullFailed(String reason) {
    return new PodStatusBuilder()
        .withPhase("Pending")
        .addNewContainerStatus()
        .withName(ProbeJobs.CONTAINER)
        .withNewState()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(
            "Back-off pulling image \"ghcr.io/imds-prober/imds-prober:0.1.0-SNAPSHOT\": not found")
        .endWaiting()
        .endState()
        .endContainerStatus()
        .build();
  }

  @Test
  @DisplayName("an unreachable API server is exit 3 with its address named")
  void unreachable() {
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            kubeconfig.toString(),
            "--context",
            "nowhere",
            "--set",
            "api.retries=0");
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains("cannot reach the API server http://127.0.0.1:1");
    assertThat(r.out()).isEmpty();
  }

  @Test
  @DisplayName("a missing permission is exit 3 naming the verb and resource")
  void forbidden() {
    cluster
        .server
        .expect()
        .get()
        .withPath("/api/v1/namespaces")
        .andReturn(
            403,
            MockCluster.status(
                403,
                "Forbidden",
                "namespaces is forbidden: User \"system:serviceaccount:imds:prober\""
                    + " cannot list resource \"namespaces\" in API group \"\" at the cluster scope"))
        .always();
    Cli.Result r = Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString());
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err())
        .contains("forbidden: the prober may not list namespaces")
        .contains("cannot list resource \"namespaces\"");
  }

  @Test
  @DisplayName("a context the kubeconfig lacks, a bad key or value: exit 3 naming it")
  void badConfiguration() throws Exception {
    Cli.Result context =
        Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--context", "prod");
    assertThat(context.exit()).isEqualTo(3);
    assertThat(context.err()).contains("--context prod: no such context in " + kubeconfig);

    Cli.Result value =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            kubeconfig.toString(),
            "--set",
            "probe.maxInFlight=0");
    assertThat(value.exit()).isEqualTo(3);
    assertThat(value.err()).contains("probe.maxInFlight").contains("'0'");

    Path file = dir.resolve("config.yaml");
    Files.writeString(file, "probe:\n  deadlin: 30s\n");
    Cli.Result key =
        Cli.run(
            "sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--config", file.toString());
    assertThat(key.exit()).isEqualTo(3);
    assertThat(key.err()).contains("probe.deadlin: unknown key");

    Cli.Result noOnce = Cli.run("sweep", "--kubeconfig", kubeconfig.toString());
    assertThat(noOnce.exit()).isEqualTo(3);
    assertThat(noOnce.err()).contains("--once");
  }
}
