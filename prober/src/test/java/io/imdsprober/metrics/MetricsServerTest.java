package io.imdsprober.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.sweep.ProbeFacts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** /metrics as Prometheus reads it at thousands of namespaces: streamed, whole, GET and HEAD. */
class MetricsServerTest {
  static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
  static final int NAMESPACES = 5_000;

  ProberMetrics metrics;
  MetricsServer server;

  @BeforeEach
  void setUp() {
    metrics = new ProberMetrics("1.2.3");
    double at = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli() / 1000.0;
    for (int i = 0; i < NAMESPACES; i++) {
      metrics.publish(
          ProberMetricsTest.judged(
              String.format("team-%04d", i), i == 4321 ? ProbeFacts.EXPOSED : ProbeFacts.PROTECTED),
          at);
    }
    server =
        new MetricsServer(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            metrics::scrape,
            () -> true,
            () -> null);
    server.start();
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  HttpResponse<String> send(String method, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName(
      "5,000 namespaces' series arrive whole over a streamed response: the last namespace's lines"
          + " and the exposed one's are there, and the body equals the registry's own text")
  void streamsEverySeries() throws Exception {
    HttpResponse<String> r = send("GET", "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains(MetricsServer.CONTENT_TYPE);
    assertThat(r.headers().firstValue("Transfer-Encoding")).contains("chunked");
    String body = r.body();
    assertThat(body.lines().filter(l -> l.startsWith("imds_prober_namespace_status{")).count())
        .isEqualTo(NAMESPACES * 6L);
    assertThat(
            ProberMetricsTest.value(
                body, "imds_prober_namespace_status{namespace=\"team-4321\",status=\"exposed\"}"))
        .isEqualTo(1.0);
    assertThat(
            ProberMetricsTest.value(
                body, "imds_prober_namespace_status{namespace=\"team-4999\",status=\"protected\"}"))
        .isEqualTo(1.0);
    assertThat(ProberMetricsTest.value(body, "imds_prober_namespaces{status=\"protected\"}"))
        .isEqualTo(NAMESPACES - 1.0);
    assertThat(strip(body)).isEqualTo(strip(metrics.scrape()));
  }

  @Test
  @DisplayName("HEAD answers the headers without a body; POST is 405 with Allow")
  void headAndOtherMethods() throws Exception {
    HttpResponse<String> head = send("HEAD", "/metrics");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    HttpResponse<String> post = send("POST", "/metrics");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
  }

  /** The text without the JVM and process series, which move between two scrapes. */
  static String strip(String scrape) {
    StringBuilder out = new StringBuilder();
    scrape.lines().filter(l -> l.contains("imds_prober_")).forEach(l -> out.append(l).append('\n'));
    return out.toString();
  }
}
