package io.imdsprober.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imdsprober.e2e.FleetLab.Notification;
import io.imdsprober.ship.DashboardQueries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clusters, one global Prometheus (federation) with the project's rules and one Alertmanager:
 * needs prometheus and prometheus-alertmanager (Debian; skipped without, failed under CI=true).
 * {@code shop} is exposed in b and protected in a; before the alerts grouped by cluster, the global
 * view merged the two and the exposure never paged.
 */
class FleetLabTest {
  /** The panels that show per-cluster series whenever the clusters have any verdict. */
  static final Set<String> BOTH_CLUSTERS =
      Set.of(
          "Coverage / A",
          "Coverage / B",
          "Last full result / A",
          "Status per namespace / A",
          "Freshness per namespace / A",
          "Metadata reachability / A",
          "DNS and egress success / A",
          "Check duration / A",
          "Sweeps by result / A",
          "Node pools / A",
          "Version / A");

  /** The stat panels that count across the clusters chosen, on purpose. */
  static final Set<String> ACROSS_CLUSTERS =
      Set.of("Exposed namespaces / A", "Namespaces per verdict / A");

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  @DisplayName(
      "shop exposed in b, protected in a: one page with cluster=\"b\", none for a; every"
          + " dashboard query keeps the clusters apart and finds both")
  void onePagePerCluster(@TempDir Path dir) throws Exception {
    try (FleetLab lab =
        new FleetLab(dir, List.of("shop", "web"), Map.of("a", List.of(), "b", List.of("shop")))) {
      await("b's shop pages")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  lab.notifications.stream()
                      .anyMatch(
                          n ->
                              n.status().equals("firing")
                                  && "ImdsProberMetadataExposed"
                                      .equals(n.labels().get("alertname"))));
      // both clusters' verdicts of shop are in the global view: a's silence is a judgement
      await("both clusters' shop in the global view")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(
                          lab.query(
                              "max by (cluster, status)"
                                  + " (imds_prober_namespace_status{namespace=\"shop\"}) == 1"))
                      .extracting(r -> labels(r).get("cluster") + "/" + labels(r).get("status"))
                      .containsExactlyInAnyOrder("a/protected", "b/exposed"));
      List<Map<String, String>> exposed =
          lab.alerts().stream()
              .filter(a -> "ImdsProberMetadataExposed".equals(a.get("alertname")))
              .toList();
      assertThat(exposed)
          .extracting(a -> a.get("cluster") + "/" + a.get("namespace"))
          .containsExactly("b/shop");

      // the dashboard: each query returns series of both clusters, never one merged series
      await("every cluster's series in the global view")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () -> {
                for (Map.Entry<String, String> q : DashboardQueries.all().entrySet()) {
                  List<Map<String, Object>> result = lab.query(q.getValue());
                  Set<String> clusters = new TreeSet<>();
                  result.forEach(r -> clusters.add(labels(r).getOrDefault("cluster", "")));
                  if (ACROSS_CLUSTERS.contains(q.getKey())) {
                    continue;
                  }
                  if (BOTH_CLUSTERS.contains(q.getKey())) {
                    assertThat(clusters).as(q.getKey()).containsExactly("a", "b");
                  } else if (q.getValue().contains("by (cluster") && !result.isEmpty()) {
                    assertThat(clusters).as(q.getKey()).isSubsetOf("a", "b");
                  }
                }
              });
      for (Map.Entry<String, String> q : DashboardQueries.all().entrySet()) {
        System.out.println("FLEET PANEL " + q.getKey() + ": " + summary(lab.query(q.getValue())));
      }
      // Coverage: both clusters fully covered
      assertThat(lab.query("cluster:imds_prober_namespace_coverage:ratio"))
          .extracting(r -> labels(r).get("cluster") + "=" + value(r))
          .containsExactlyInAnyOrder("a=1", "b=1");
      // the variable narrows to one cluster
      String statusOfB =
          DashboardQueries.raw()
              .get("Status per namespace / A")
              .replace("$cluster", "b")
              .replace("$namespace", ".*");
      assertThat(lab.query(statusOfB))
          .extracting(r -> labels(r).get("cluster") + "/" + labels(r).get("namespace"))
          .containsExactlyInAnyOrder("b/shop", "b/web");

      // after all that time, still one page: b's shop, nothing for a
      List<Notification> paged =
          lab.notifications.stream().filter(n -> n.status().equals("firing")).toList();
      for (Notification n : paged) {
        System.out.println("FLEET NOTIFICATION " + new TreeMap<>(n.labels()));
      }
      assertThat(paged)
          .extracting(
              n ->
                  n.labels().get("alertname")
                      + "/"
                      + n.labels().get("cluster")
                      + "/"
                      + n.labels().get("namespace"))
          .as("every page; none for a")
          .containsOnly("ImdsProberMetadataExposed/b/shop");
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> labels(Map<String, Object> result) {
    return (Map<String, String>) result.get("metric");
  }

  @SuppressWarnings("unchecked")
  static String value(Map<String, Object> result) {
    return (String) ((List<Object>) result.get("value")).get(1);
  }

  static String summary(List<Map<String, Object>> result) {
    List<String> out =
        result.stream()
            .map(r -> new TreeMap<>(labels(r)) + "=" + value(r))
            .sorted()
            .limit(6)
            .toList();
    return result.size() + " series " + out;
  }
}
