package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.imdsprober.metrics.Promtool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PrometheusRule's spec, checked and unit-tested by the real promtool. */
class AlertRulesTest {
  static final Path RULE =
      Manifests.MANIFESTS.resolve("components/prometheus-operator/prometheusrule.yaml");
  static final Path TESTS =
      Manifests.MANIFESTS.resolve("components/prometheus-operator/tests/alerts-test.yaml");
  static final List<String> ALERTS =
      List.of(
          "ImdsProberMetadataExposed",
          "ImdsProberMetadataReachable",
          "ImdsProberProbeDegraded",
          "ImdsProberProbeFailing",
          "ImdsProberNamespaceStale",
          "ImdsProberDown",
          "ImdsProberProbeTampered",
          "ImdsProberNoRecentSweep",
          "ImdsProberOptOut",
          "ImdsProberPolicyNotEnforced",
          "ImdsProberWorkloadExposedByPolicy",
          "ImdsProberNodePoolExposed",
          "ImdsProberPolicyInvalid",
          "ImdsProberPolicyIncomplete",
          "ImdsProberBlockedElsewhere",
          "ImdsProberCoverageLow");

  /** The recording rules: coverage per cluster, read by the dashboard and the coverage alert. */
  static final List<String> RECORDS =
      List.of(
          "cluster:imds_prober_interval_seconds:max",
          "cluster:imds_prober_namespace_coverage:ratio",
          "cluster:imds_prober_node_pool_coverage:ratio");

  /** The alerting rules, in order. */
  static List<Map<String, Object>> rules() throws Exception {
    return allRules().stream().filter(r -> r.containsKey("alert")).toList();
  }

  /** Every rule of every group, recording rules included. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> allRules() throws Exception {
    GenericKubernetesResource r =
        Manifests.SERIALIZATION.unmarshal(Files.readString(RULE), GenericKubernetesResource.class);
    Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
    List<Map<String, Object>> groups = (List<Map<String, Object>>) spec.get("groups");
    return groups.stream()
        .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream())
        .toList();
  }

  static Path ruleFile(Path dir) throws Exception {
    GenericKubernetesResource r =
        Manifests.SERIALIZATION.unmarshal(Files.readString(RULE), GenericKubernetesResource.class);
    return Files.writeString(
        dir.resolve("rules.yaml"),
        Manifests.SERIALIZATION.asYaml(r.getAdditionalProperties().get("spec")));
  }

  @Test
  @DisplayName(
      "promtool check rules passes on the PrometheusRule's spec, and promtool test rules on the"
          + " shipped test file, run as shipped from its own folder")
  void promtool(@TempDir Path dir) throws Exception {
    ruleFile(dir);
    Promtool.Run check = Promtool.run(dir, "check", "rules", "rules.yaml");
    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(check.output())
        .contains("SUCCESS: " + (ALERTS.size() + RECORDS.size()) + " rules found");
    // its rule file is the plain copy, which plainRulesAreTheSame holds equal to the spec
    Promtool.Run test =
        Promtool.run(TESTS.getParent(), "test", "rules", TESTS.getFileName().toString());
    assertThat(test.exit()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  @Test
  @DisplayName(
      "the plain-Prometheus rule file is the PrometheusRule's spec, to the letter of its YAML")
  void plainRulesAreTheSame() throws Exception {
    Path plain = Manifests.MANIFESTS.resolve("plain-prometheus/imds-prober-rules.yaml");
    Object copy =
        new tools.jackson.dataformat.yaml.YAMLMapper().readValue(plain.toFile(), Object.class);
    Map<String, Object> rule =
        new tools.jackson.dataformat.yaml.YAMLMapper().readValue(RULE.toFile(), Map.class);
    assertThat(copy)
        .as(
            "%s differs from the spec of %s: change the PrometheusRule, copy its spec there",
            plain, RULE)
        .isEqualTo(rule.get("spec"));
  }

  @Test
  @DisplayName(
      "every alert of DESIGN.md, with severity, summary, description and its runbook anchor")
  void everyAlertComplete() throws Exception {
    String runbook = Files.readString(Manifests.ROOT.resolve("docs/runbook.md"));
    List<Map<String, Object>> rules = rules();
    assertThat(rules).extracting(r -> r.get("alert")).containsExactlyElementsOf(ALERTS);
    for (Map<String, Object> r : rules) {
      String alert = (String) r.get("alert");
      @SuppressWarnings("unchecked")
      Map<String, String> labels = (Map<String, String>) r.get("labels");
      @SuppressWarnings("unchecked")
      Map<String, String> ann = (Map<String, String>) r.get("annotations");
      assertThat(labels.get("severity")).as(alert).isIn("critical", "warning", "info");
      assertThat(ann).as(alert).containsKeys("summary", "description", "runbook_url");
      if (alert.equals("ImdsProberNodePoolExposed")) {
        // by pool, not by namespace: the description names the pool
        assertThat(ann.get("description")).as(alert).contains("{{ $labels.pool }}");
        assertThat((String) r.get("expr")).as(alert).contains("by (cluster, pool)");
      } else if (alert.equals("ImdsProberCoverageLow")) {
        // by cluster and kind: the description names what is covered too little
        assertThat(ann.get("description")).as(alert).contains("{{ $labels.of }}");
      } else if (!alert.equals("ImdsProberDown") && !alert.equals("ImdsProberNoRecentSweep")) {
        assertThat(ann.get("description")).as(alert).contains("{{ $labels.namespace }}");
      }
      String anchor = alert.toLowerCase(Locale.ROOT);
      assertThat(ann.get("runbook_url")).as(alert).endsWith("docs/runbook.md#" + anchor);
      assertThat(runbook)
          .as("runbook heading for " + alert)
          .containsPattern("(?m)^## " + alert + "$");
      for (String name : Contract.namesIn((String) r.get("expr"))) {
        assertThat(Contract.NAMES).as(alert + " uses " + name).contains(name);
      }
    }
  }

  /** How an alert's description names the cluster, only when the alert has the label. */
  static final String CLUSTER_CLAUSE = "{{ with $labels.cluster }} in cluster {{ . }}{{ end }}";

  @Test
  @DisplayName(
      "every alert and record aggregates and matches by cluster, and every alert names the"
          + " cluster in its description")
  void everyAlertByCluster() throws Exception {
    java.util.regex.Pattern clause = java.util.regex.Pattern.compile("\\b(by|on) \\(([^)]*)\\)");
    for (Map<String, Object> r : allRules()) {
      String alert = r.containsKey("alert") ? (String) r.get("alert") : (String) r.get("record");
      String expr = (String) r.get("expr");
      java.util.regex.Matcher m = clause.matcher(expr);
      int by = 0;
      while (m.find()) {
        List<String> labels = m.group(2).isBlank() ? List.of() : List.of(m.group(2).split(",\\s*"));
        if (m.group(1).equals("by")) {
          by++;
          assertThat(labels).as(alert + ": " + m.group()).contains("cluster");
        } else if (!labels.isEmpty()) {
          assertThat(labels).as(alert + ": " + m.group()).contains("cluster");
        }
      }
      if (r.containsKey("record")) {
        assertThat(alert).as("a record aggregated by cluster says so").startsWith("cluster:");
        assertThat(by).as(alert + " aggregates by cluster").isPositive();
        for (String name : Contract.namesIn(expr)) {
          assertThat(Contract.NAMES).as(alert + " uses " + name).contains(name);
        }
        continue;
      }
      if (by == 0) {
        // an alert on the recording rules only: they are by cluster (above)
        assertThat(Contract.namesIn(expr)).as(alert + " aggregates by cluster").isEmpty();
        assertThat(expr).as(alert).contains("cluster:imds_prober_");
      }
      @SuppressWarnings("unchecked")
      Map<String, String> ann = (Map<String, String>) r.get("annotations");
      assertThat(ann.get("description")).as(alert).contains(CLUSTER_CLAUSE);
    }
  }

  @Test
  @DisplayName("the rule tests make every alert fire and stay silent")
  void testsCoverEveryAlert() throws Exception {
    String tests = Files.readString(TESTS);
    for (String alert : ALERTS) {
      assertThat(tests)
          .as(alert + " fires somewhere")
          .containsPattern("alertname: " + alert + "\\s+exp_alerts:\\s*\\n\\s+- exp_labels");
      assertThat(tests)
          .as(alert + " stays silent somewhere")
          .containsPattern("alertname: " + alert + "\\s+exp_alerts: \\[\\]");
    }
  }
}
