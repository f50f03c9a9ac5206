package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imdsprober.config.Config;
import io.imdsprober.metrics.Promtool;
import io.imdsprober.serve.ProberService;
import io.imdsprober.serve.TestServe;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Grafana dashboard: every query parses, uses the contract only, and finds its metrics. */
class DashboardTest {
  static final Path DASHBOARD = DashboardQueries.DASHBOARD;

  static Map<String, String> queries() throws Exception {
    return DashboardQueries.all();
  }

  @Test
  @DisplayName("the panels the issue asks for, and the datasource and namespace variables")
  @SuppressWarnings("unchecked")
  void panelsAndVariables() throws Exception {
    Map<String, Object> dash =
        Manifests.SERIALIZATION.unmarshal(Files.readString(DASHBOARD), Map.class);
    List<String> titles =
        ((List<Map<String, Object>>) dash.get("panels"))
            .stream().map(p -> (String) p.get("title")).toList();
    assertThat(titles)
        .contains(
            "Exposed namespaces",
            "Status per namespace",
            "Metadata reachability",
            "DNS and egress success",
            "Probe failures by reason",
            "Sweep duration",
            "Freshness per namespace",
            "Workloads exposed by policy",
            "Policy drift",
            "Coverage");
    List<Map<String, Object>> vars =
        (List<Map<String, Object>>) ((Map<String, Object>) dash.get("templating")).get("list");
    assertThat(vars)
        .extracting(v -> v.get("name") + ":" + v.get("type"))
        .contains("datasource:datasource", "cluster:query", "namespace:query");
  }

  @Test
  @DisplayName(
      "the cluster variable lists the clusters, allows all (series without the label too), and"
          + " every selector of every panel filters by it")
  @SuppressWarnings("unchecked")
  void clusterVariable() throws Exception {
    Map<String, Object> dash =
        Manifests.SERIALIZATION.unmarshal(Files.readString(DASHBOARD), Map.class);
    List<Map<String, Object>> vars =
        (List<Map<String, Object>>) ((Map<String, Object>) dash.get("templating")).get("list");
    Map<String, Object> cluster =
        vars.stream().filter(v -> "cluster".equals(v.get("name"))).findFirst().orElseThrow();
    assertThat(cluster.get("definition"))
        .isEqualTo("label_values(imds_prober_build_info, cluster)");
    // with one cluster there is no label: All is ".*", which matches the empty value
    assertThat(cluster).containsEntry("includeAll", true).containsEntry("allValue", ".*");
    Map<String, Object> namespace =
        vars.stream().filter(v -> "namespace".equals(v.get("name"))).findFirst().orElseThrow();
    assertThat((String) namespace.get("definition")).contains("cluster=~\"$cluster\"");
    java.util.regex.Pattern selector =
        java.util.regex.Pattern.compile(
            "\\b(?:cluster:)?imds_prober_[a-z_]+(?::[a-z]+)?(\\{[^}]*})?");
    for (Map.Entry<String, String> q : DashboardQueries.raw().entrySet()) {
      java.util.regex.Matcher m = selector.matcher(q.getValue());
      while (m.find()) {
        assertThat(m.group(1)).as(q.getKey() + ": " + m.group()).contains("cluster=~\"$cluster\"");
      }
      // a per-namespace or per-pool series is never merged across clusters
      java.util.regex.Matcher by =
          java.util.regex.Pattern.compile("by \\(([^)]*)\\)").matcher(q.getValue());
      while (by.find()) {
        if (by.group(1).contains("namespace") || by.group(1).contains("pool")) {
          assertThat(by.group(1)).as(q.getKey()).contains("cluster");
        }
      }
    }
  }

  @Test
  @DisplayName("every panel query parses (promtool) and uses only metric names of the contract")
  void queriesParse(@TempDir Path dir) throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int i = 0;
    for (Map.Entry<String, String> q : queries().entrySet()) {
      rules.append("      - record: dashboard:query_").append(i++).append('\n');
      rules.append("        expr: '").append(q.getValue().replace("'", "''")).append("'\n");
      for (String name : Contract.namesIn(q.getValue())) {
        assertThat(Contract.NAMES).as(q.getKey() + " uses " + name).contains(name);
      }
    }
    Files.writeString(dir.resolve("dashboard-rules.yaml"), rules);
    Promtool.Run check = Promtool.run(dir, "check", "rules", "dashboard-rules.yaml");
    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: " + i + " rules found");
  }

  @Test
  @DisplayName("every metric name the dashboard uses is in a real scrape of serve")
  void namesAreExported(@TempDir Path dir) throws Exception {
    Set<String> used = new TreeSet<>();
    for (String q : queries().values()) {
      used.addAll(Contract.namesIn(q));
    }
    String scrape;
    try (MockCluster cluster = new MockCluster();
        FakeKubelet kubelet =
            new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED))) {
      cluster.node(
          "node-1",
          "aws:///eu-west-1a/i-0abc",
          Map.of("eks.amazonaws.com/nodegroup", "general", "kubernetes.io/os", "linux"));
      cluster.namespace("safe");
      cluster.namespace("open");
      cluster.namespace("quiet", Map.of(), Map.of("imds-prober.io/skip", "true"));
      kubelet.script("open", FakeKubelet.facts(ProbeFacts.EXPOSED));
      // open denies all egress by policy, yet its probe reached the endpoint: drift not-enforced
      cluster
          .admin
          .network()
          .v1()
          .networkPolicies()
          .inNamespace("open")
          .resource(MockCluster.denyEgress("open"))
          .create();
      Config config = TestServe.config(Map.of());
      TestServe serve = TestServe.of(cluster, dir, config, Clock.systemUTC(), "dash", "test");
      ProberService service = serve.service();
      try {
        service.start();
        await()
            .atMost(Duration.ofSeconds(15))
            .until(
                () ->
                    service
                        .metrics()
                        .scrape()
                        .contains("imds_prober_last_success_timestamp_seconds"));
        // a failing namespace from the next sweep on: failures by reason
        cluster.namespace("denied");
        cluster.answerJobCreate(
            "denied", 403, "Forbidden", "admission webhook \"x\" denied the request");
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> service.metrics().scrape().contains("imds_prober_probe_failures_total{"));
        scrape = ServeScrape.get(service.port());
      } finally {
        serve.close();
      }
    }
    List<String> missing = new ArrayList<>();
    for (String name : used) {
      if (!scrape.matches("(?s).*(^|\\n)" + name + "[{ ].*")) {
        missing.add(name);
      }
    }
    assertThat(missing).as("used by the dashboard, absent from the scrape").isEmpty();
  }
}
