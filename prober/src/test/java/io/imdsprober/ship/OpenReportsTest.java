package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.imdsprober.report.OpenReports;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * OpenReports output against the mock API server: one Report per target namespace, each valid
 * against the Report CRD's schema (written from the upstream Go type), results per check with the
 * verdict's pass/fail/warn/error/skip; Reports of namespaces no longer targeted are deleted; the
 * openreports component's RBAC equals the requests, both ways.
 */
class OpenReportsTest {
  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;
  static final JsonMapper JSON = JsonMapper.builder().build();

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    cluster.server.expectCustomResource(
        new CustomResourceDefinitionContext.Builder()
            .withGroup("openreports.io")
            .withVersion("v1alpha1")
            .withKind("Report")
            .withPlural("reports")
            .withScope("Namespaced")
            .build());
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
  }

  @AfterEach
  void tearDown() {
    kubelet.close();
    cluster.close();
  }

  /** The CRD's schema, with no field beyond those it names (the API server would prune them). */
  static Schema reportSchema() throws Exception {
    JsonNode crd =
        new YAMLMapper()
            .readTree(
                OpenReportsTest.class.getResourceAsStream(
                    "/openreports/reports.openreports.io.yaml"));
    JsonNode schema = crd.at("/spec/versions/0/schema/openAPIV3Schema").deepCopy();
    closeObjects(schema);
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
        .getSchema(JSON.writeValueAsString(schema));
  }

  /** Walks schema nodes (not the names in a properties map) and closes each object schema. */
  private static void closeObjects(JsonNode schema) {
    if (!(schema instanceof ObjectNode o)) {
      return;
    }
    if (o.get("properties") instanceof ObjectNode fields) {
      if (!o.has("additionalProperties")) {
        o.put("additionalProperties", false);
      }
      fields.forEach(OpenReportsTest::closeObjects);
    }
    closeObjects(o.get("items"));
    closeObjects(o.get("additionalProperties"));
  }

  List<GenericKubernetesResource> reports() {
    return cluster
        .admin
        .genericKubernetesResources(OpenReports.CONTEXT)
        .inAnyNamespace()
        .list()
        .getItems();
  }

  static Map<String, Object> result(GenericKubernetesResource report, String rule) {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> results =
        (List<Map<String, Object>>) report.getAdditionalProperties().get("results");
    return results.stream().filter(r -> rule.equals(r.get("rule"))).findFirst().orElseThrow();
  }

  @Test
  @DisplayName(
      "reports.enabled: a Report per namespace, valid against the CRD, the verdict per check;"
          + " stale ones deleted; the component's RBAC is exactly what it asks")
  void reportsAgainstTheMockServer() throws Exception {
    cluster.namespace("safe");
    cluster.namespace("open");
    cluster.namespace("quiet", Map.of(), Map.of("imds-prober.io/skip", "true"));
    cluster.namespace("evicted");
    cluster.namespace("dead-dns");
    kubelet.script("open", FakeKubelet.facts(ProbeFacts.EXPOSED));
    kubelet.script("dead-dns", FakeKubelet.facts(ProbeFacts.DNS_DEAD));
    kubelet.script(
        "evicted",
        FakeKubelet.stuck(
            new io.fabric8.kubernetes.api.model.PodStatusBuilder()
                .withPhase("Failed")
                .withReason("Evicted")
                .withMessage("The node was low on resource: memory.")
                .build()));
    String kubeconfig = cluster.kubeconfig(dir).toString();
    cluster.proberRequests();

    io.imdsprober.cli.Cli.Result r =
        io.imdsprober.cli.Cli.run(
            "sweep", "--once", "--kubeconfig", kubeconfig, "--set", "reports.enabled=true");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);

    List<GenericKubernetesResource> reports = reports();
    assertThat(reports)
        .extracting(g -> g.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("safe", "open", "quiet", "evicted", "dead-dns");
    Schema schema = reportSchema();
    for (GenericKubernetesResource g : reports) {
      JsonNode node = JSON.readTree(cluster.admin.getKubernetesSerialization().asJson(g));
      assertThat(schema.validate(node))
          .as("%s against the Report CRD", g.getMetadata().getNamespace())
          .isEmpty();
      assertThat(g.getMetadata().getName()).isEqualTo("imds-prober");
      assertThat(g.getAdditionalProperties()).containsEntry("source", "imds-prober");
    }
    GenericKubernetesResource open = byNamespace(reports, "open");
    assertThat(result(open, "metadata"))
        .containsEntry("result", "fail")
        .containsEntry("severity", "critical");
    assertThat(result(open, "dns")).containsEntry("result", "pass");
    @SuppressWarnings("unchecked")
    Map<String, String> props = (Map<String, String>) result(open, "metadata").get("properties");
    assertThat(props).containsEntry("169.254.169.254:80", "connected, HTTP 200");
    assertThat(open.getAdditionalProperties().get("summary"))
        .isEqualTo(Map.of("pass", 2, "fail", 1, "warn", 0, "error", 0, "skip", 0));
    assertThat(result(byNamespace(reports, "safe"), "metadata")).containsEntry("result", "pass");
    assertThat(result(byNamespace(reports, "quiet"), "egress")).containsEntry("result", "skip");
    assertThat(result(byNamespace(reports, "evicted"), "metadata"))
        .containsEntry("result", "error");
    assertThat((String) result(byNamespace(reports, "evicted"), "metadata").get("message"))
        .contains("evicted")
        .contains("low on resource: memory");
    assertThat(result(byNamespace(reports, "dead-dns"), "dns")).containsEntry("result", "warn");
    assertThat(result(byNamespace(reports, "dead-dns"), "metadata"))
        .containsEntry("result", "pass");

    // a namespace no longer targeted loses its Report; the others are updated, not duplicated
    cluster.admin.namespaces().withName("open").delete();
    r =
        io.imdsprober.cli.Cli.run(
            "sweep", "--once", "--kubeconfig", kubeconfig, "--set", "reports.enabled=true");
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(reports())
        .extracting(g -> g.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("safe", "quiet", "evicted", "dead-dns");

    // the component's grants equal what the prober asked of openreports.io, both ways
    List<HasMetadata> rbac =
        Manifests.objects(
            Files.readString(Manifests.MANIFESTS.resolve("components/openreports/rbac.yaml")));
    List<PolicyRule> rules =
        Manifests.one(rbac, ClusterRole.class, "imds-prober-openreports").getRules();
    Set<String> used = new HashSet<>();
    for (RecordedRequest req : cluster.proberRequests(MockCluster.ANY_PROBER)) {
      RbacTest.Access a = RbacTest.access(req);
      if (a == null || !"openreports.io".equals(a.group())) {
        continue;
      }
      assertThat(rules).as("%s is granted", a).anyMatch(rule -> RbacTest.allows(rule, a));
      used.add(a.verb());
    }
    assertThat(used)
        .as("every granted verb is used")
        .containsExactlyInAnyOrderElementsOf(rules.get(0).getVerbs());
  }

  @Test
  @DisplayName("sweep --once --output openreports prints the Reports as a YAML List")
  void outputOpenreports() throws Exception {
    cluster.namespace("safe");
    String kubeconfig = cluster.kubeconfig(dir).toString();
    io.imdsprober.cli.Cli.Result r =
        io.imdsprober.cli.Cli.run(
            "sweep", "--once", "--kubeconfig", kubeconfig, "--output", "openreports");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode list = new YAMLMapper().readTree(r.out());
    assertThat(list.get("kind").asString()).isEqualTo("List");
    assertThat(list.get("items")).hasSize(1);
    JsonNode item = list.get("items").get(0);
    assertThat(item.get("apiVersion").asString()).isEqualTo("openreports.io/v1alpha1");
    assertThat(reportSchema().validate(JSON.readTree(JSON.writeValueAsString(item)))).isEmpty();
    assertThat(reports()).as("printing writes nothing").isEmpty();
  }

  private static GenericKubernetesResource byNamespace(
      List<GenericKubernetesResource> reports, String ns) {
    return reports.stream()
        .filter(g -> ns.equals(g.getMetadata().getNamespace()))
        .findFirst()
        .orElseThrow();
  }
}
