package io.imdsprober.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.imdsprober.config.Config;
import io.imdsprober.metrics.Promtool;
import io.imdsprober.report.NamespaceEvents;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import io.imdsprober.sweep.Sweeper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve against the mock API server: the schedule, /metrics, health, Events, stop. */
class ServeTest {
  static final Sweeper.Timing FAST =
      new Sweeper.Timing(Duration.ofMillis(300), Duration.ofMillis(500));
  static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;
  final List<TestServe> servers = new java.util.ArrayList<>();

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
  }

  @AfterEach
  void tearDown() {
    servers.forEach(TestServe::close);
    kubelet.close();
    cluster.close();
  }

  static Config config(Map<String, String> keys) {
    return TestServe.config(keys);
  }

  ProberService service(Config config, String identity) throws Exception {
    TestServe serve = TestServe.of(cluster, dir, config, Clock.systemUTC(), identity, "9.9.9");
    servers.add(serve);
    return serve.service();
  }

  static HttpResponse<String> get(ProberService s, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String metrics(ProberService s) throws Exception {
    return get(s, "/metrics").body();
  }

  List<Event> events(String ns) {
    return cluster.admin.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e ->
                e.getInvolvedObject() != null
                    && "Namespace".equals(e.getInvolvedObject().getKind()))
        .toList();
  }

  @Test
  @DisplayName(
      "sweeps at start and on the interval; /metrics has the contract, promtool-clean; health and readiness")
  void servesMetrics() throws Exception {
    cluster.namespace("safe");
    cluster.namespace("open");
    kubelet.script("open", FakeKubelet.facts(ProbeFacts.EXPOSED));
    ProberService s = service(config(Map.of()), "only");
    s.start();
    assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(15)).until(() -> get(s, "/readyz").statusCode() == 200);
    String scrape = metrics(s);
    assertThat(scrape)
        .contains("imds_prober_namespace_status{namespace=\"open\",status=\"exposed\"} 1.0")
        .contains("imds_prober_namespace_status{namespace=\"safe\",status=\"protected\"} 1.0")
        .contains("imds_prober_build_info{version=\"9.9.9\"} 1");
    assertThat(get(s, "/metrics").headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(Promtool.checkMetrics(scrape)).isEmpty();

    // the interval goes on: a second sweep is counted
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                metrics(s).contains("imds_prober_sweeps_total{result=\"complete\"} 2.0")
                    || metrics(s)
                        .matches("(?s).*imds_prober_sweeps_total\\{result=\"complete\"} [3-9].*"));
    assertThat(get(s, "/nothing").statusCode()).isEqualTo(404);
    assertThat(get(s, "/metricsx").statusCode()).as("no prefix match").isEqualTo(404);
    assertThat(get(s, "/healthz/deep").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName(
      "serve.bindAddress: the endpoints listen there; a namespace in error gets one ProbeFailed"
          + " Event with its detail")
  void bindAddressAndProbeFailed() throws Exception {
    cluster.namespace("quota");
    kubelet.script(
        "quota", FakeKubelet.failedCreate("Error creating: pods is forbidden: exceeded quota: q"));
    ProberService s = service(config(Map.of("serve.bindAddress", "127.0.0.1")), "only");
    s.start();
    assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(15)).until(() -> !events("quota").isEmpty());
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> metrics(s).contains("imds_prober_sweeps_total{result=\"partial\"} 2.0"));
    assertThat(events("quota"))
        .as("once per reason, not once per sweep")
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getReason()).isEqualTo(NamespaceEvents.FAILED);
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("(quota-exceeded)").contains("exceeded quota: q");
            });
  }

  @Test
  @DisplayName(
      "an Event when a namespace turns exposed and when it recovers; a deleted namespace loses its series")
  void eventsAndGoneNamespaces() throws Exception {
    cluster.namespace("flip");
    cluster.namespace("temporary");
    kubelet.script("flip", FakeKubelet.facts(ProbeFacts.EXPOSED));
    ProberService s = service(config(Map.of()), "only");
    s.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> !events("flip").isEmpty());
    assertThat(events("flip"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getReason()).isEqualTo(NamespaceEvents.EXPOSED);
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getInvolvedObject().getName()).isEqualTo("flip");
            });
    assertThat(metrics(s)).contains("namespace=\"temporary\"");

    kubelet.script("flip", FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.admin.namespaces().withName("temporary").delete();
    await().atMost(Duration.ofSeconds(15)).until(() -> events("flip").size() == 2);
    assertThat(events("flip"))
        .extracting(Event::getReason)
        .containsExactlyInAnyOrder(NamespaceEvents.EXPOSED, NamespaceEvents.RECOVERED);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                metrics(s)
                    .contains(
                        "imds_prober_namespace_status{namespace=\"flip\",status=\"protected\"} 1.0"));
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> !metrics(s).contains("namespace=\"temporary\""));
  }

  @Test
  @DisplayName(
      "stop (SIGTERM) cancels a sweep that outlasts the grace period and deletes its Jobs; the"
          + " cancelled namespace gets no ProbeFailed Event")
  void stopCancelsTheRunningSweep() throws Exception {
    cluster.namespace("hanging");
    kubelet.script("hanging", FakeKubelet.nothing());
    ProberService s =
        service(config(Map.of("probe.deadline", "60s", "orphans.maxAge", "5m")), "only");
    s.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> kubelet.jobsSeen.contains("hanging"));
    long t0 = System.nanoTime();
    s.stop(Duration.ofSeconds(1));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    assertThat(cluster.admin.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();
    assertThat(events("hanging"))
        .as("the probe our own stop cancelled is no news for the tenant: no ProbeFailed Event")
        .isEmpty();
  }

  @Test
  @DisplayName(
      "two replicas, one Lease: only the leader sweeps; when it stops, the other takes over")
  void leaderElection() throws Exception {
    cluster.namespace("team");
    Map<String, String> election =
        Map.of(
            "leaderElection.enabled", "true",
            "leaderElection.namespace", "imds",
            "leaderElection.leaseDuration", "3s",
            "leaderElection.renewDeadline", "2s",
            "leaderElection.retryPeriod", "200ms");
    ProberService a = service(config(election), "replica-a");
    ProberService b = service(config(election), "replica-b");
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(a::leading);
    b.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> metrics(a).contains("namespace=\"team\""));
    assertThat(b.leading()).isFalse();
    String follower = metrics(b);
    assertThat(follower).doesNotContain("namespace=").contains("imds_prober_build_info");
    assertThat(follower).contains("imds_prober_sweeps_total{result=\"complete\"} 0.0");
    assertThat(get(b, "/readyz").statusCode()).isEqualTo(200);
    assertThat(
            cluster
                .admin
                .leases()
                .inNamespace("imds")
                .withName("imds-prober")
                .get()
                .getSpec()
                .getHolderIdentity())
        .isEqualTo("replica-a");

    a.stop(Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(20)).until(b::leading);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                metrics(b)
                    .contains(
                        "imds_prober_namespace_status{namespace=\"team\",status=\"protected\"} 1.0"));
  }
}
