package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.imdsprober.cli.Cli;
import io.imdsprober.compliance.Reference;
import io.imdsprober.compliance.References;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The references auditors use (MITRE ATT&CK T1552.005, CIS GKE 5.4.1, the EKS best practice on the
 * instance profile, Kubescape C-0052), as data: in the JSON report per finding kind, in the
 * OpenReports metadata results, and in the runbook's table, all from one place.
 */
class ComplianceReferencesTest {
  static final List<String> EXPECTED =
      List.of(
          "mitre-attack:T1552.005",
          "cis-gke:5.4.1",
          "eks-best-practices:restrict-access-to-the-instance-profile",
          "kubescape:C-0052");

  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
    cluster.namespace("safe");
    cluster.namespace("open");
    cluster.namespace("gated");
    cluster.namespace("lab", Map.of(), Map.of("imds-prober.io/expect-metadata", "reachable"));
    kubelet.script("open", FakeKubelet.facts(ProbeFacts.EXPOSED));
    kubelet.script("gated", FakeKubelet.facts(ProbeFacts.REACHABLE));
    kubelet.script("lab", FakeKubelet.facts(ProbeFacts.EXPOSED));
  }

  @AfterEach
  void tearDown() {
    kubelet.close();
    cluster.close();
  }

  static List<String> keys(List<Reference> refs) {
    return refs.stream().map(r -> r.framework() + ":" + r.id()).toList();
  }

  @Test
  @DisplayName(
      "the JSON report maps each finding kind to the four references, and names each namespace's"
          + " findings: exposed, reachable, none where protected or where exposure is expected")
  void jsonReport() throws Exception {
    // open's policy denies all egress, yet its probe reached the endpoint: not-enforced too
    NetworkPolicy deny = MockCluster.denyEgress("open");
    cluster.admin.network().v1().networkPolicies().inNamespace("open").resource(deny).create();
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            cluster.kubeconfig(dir).toString(),
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode report = JsonMapper.builder().build().readTree(r.out());
    JsonNode refs = report.get("references");
    for (String kind : List.of("exposed", "reachable", "not-enforced")) {
      List<String> got = new ArrayList<>();
      for (JsonNode ref : refs.get(kind)) {
        got.add(ref.get("framework").asString() + ":" + ref.get("id").asString());
        assertThat(ref.get("title").asString()).as(kind).isNotBlank();
        assertThat(ref.get("url").asString()).as(kind).startsWith("https://");
      }
      assertThat(got).as(kind).containsExactlyElementsOf(EXPECTED);
    }
    assertThat(refs.get("exposed").get(0).get("title").asString())
        .isEqualTo("Unsecured Credentials: Cloud Instance Metadata API");
    assertThat(findings(report, "open")).containsExactly("exposed", "not-enforced");
    assertThat(findings(report, "gated")).containsExactly("reachable");
    assertThat(findings(report, "safe")).isEmpty();
    assertThat(findings(report, "lab")).as("exposure declared as expected").isEmpty();
  }

  static List<String> findings(JsonNode report, String ns) {
    for (JsonNode n : report.get("namespaces")) {
      if (n.get("namespace").asString().equals(ns)) {
        List<String> out = new ArrayList<>();
        n.get("findings").forEach(f -> out.add(f.asString()));
        return out;
      }
    }
    throw new AssertionError("no namespace " + ns);
  }

  @Test
  @DisplayName(
      "OpenReports: each metadata result carries the references as properties (framework: id),"
          + " pass or fail, and the cluster's name when cluster.name is set")
  @SuppressWarnings("unchecked")
  void openReports() throws Exception {
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            cluster.kubeconfig(dir).toString(),
            "--output",
            "openreports",
            "--set",
            "cluster.name=eu-west-1.prod");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode list = new YAMLMapper().readTree(r.out());
    int metadataResults = 0;
    for (JsonNode item : list.get("items")) {
      JsonMapper json = JsonMapper.builder().build();
      assertThat(
              OpenReportsTest.reportSchema().validate(json.readTree(json.writeValueAsString(item))))
          .isEmpty();
      for (JsonNode result : item.get("results")) {
        JsonNode props = result.get("properties");
        assertThat(props.get("cluster").asString()).isEqualTo("eu-west-1.prod");
        if (result.get("rule").asString().equals("metadata")) {
          metadataResults++;
          List<String> got = new ArrayList<>();
          for (String e : EXPECTED) {
            String framework = e.substring(0, e.indexOf(':'));
            if (props.has(framework)) {
              got.add(framework + ":" + props.get(framework).asString());
            }
          }
          assertThat(got).as(item.get("metadata").get("namespace").asString()).isEqualTo(EXPECTED);
        } else {
          assertThat(props.has("mitre-attack")).as("only the metadata check maps").isFalse();
        }
      }
    }
    assertThat(metadataResults).isEqualTo(4);
  }

  @Test
  @DisplayName("without cluster.name the results carry no cluster property")
  void noCluster() throws Exception {
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            cluster.kubeconfig(dir).toString(),
            "--output",
            "openreports");
    assertThat(r.out()).doesNotContain("cluster:");
  }

  @Test
  @DisplayName("the runbook's references table is the data, row for row")
  void runbookTable() throws Exception {
    List<String> rows =
        Files.readAllLines(Manifests.ROOT.resolve("docs/runbook.md")).stream()
            .dropWhile(l -> !l.equals("## Compliance references"))
            .filter(l -> l.startsWith("| ") && !l.startsWith("| finding"))
            .toList();
    List<String> expected = new ArrayList<>();
    References.BY_FINDING.forEach(
        (kind, refs) ->
            refs.forEach(
                ref ->
                    expected.add(
                        "| "
                            + kind
                            + " | "
                            + ref.framework()
                            + " | "
                            + ref.id()
                            + " | "
                            + ref.title()
                            + " |")));
    assertThat(rows).containsExactlyElementsOf(expected);
    for (List<Reference> refs : References.BY_FINDING.values()) {
      assertThat(keys(refs)).containsExactlyElementsOf(EXPECTED);
    }
  }
}
