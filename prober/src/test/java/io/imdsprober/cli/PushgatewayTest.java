package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imdsprober.lab.Tools;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sweep --once --pushgateway against a real Pushgateway (Debian prometheus-pushgateway). */
class PushgatewayTest {
  static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;
  Process pushgateway;
  String url;

  @BeforeEach
  void setUp() throws Exception {
    Path binary = Tools.require("prometheus-pushgateway", "prometheus-pushgateway");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    url = "http://127.0.0.1:" + port;
    pushgateway =
        new ProcessBuilder(
                binary.toString(), "--web.listen-address=127.0.0.1:" + port, "--persistence.file=")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("pushgateway.log").toFile())
            .start();
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> get("/-/ready").statusCode() == 200);
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
  }

  @AfterEach
  void tearDown() {
    if (kubelet != null) {
      kubelet.close();
      cluster.close();
    }
    if (pushgateway != null) {
      pushgateway.destroy();
    }
  }

  HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static Double series(String text, String name, String... labels) {
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{")) {
        continue;
      }
      String tags = line.substring(name.length(), line.lastIndexOf('}') + 1);
      boolean all = true;
      for (String l : labels) {
        all &= tags.contains(l);
      }
      if (all) {
        return Double.valueOf(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return null;
  }

  @Test
  @DisplayName(
      "the sweep's metrics land under job imds-prober; the last success stays when a later sweep is partial")
  void pushes() throws Exception {
    cluster.namespace("safe");
    Path kubeconfig = cluster.kubeconfig(dir);

    Cli.Result first =
        Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--pushgateway", url);
    assertThat(first.exit()).as(first.err()).isZero();
    String pushed = get("/metrics").body();
    assertThat(
            series(
                pushed,
                "imds_prober_namespace_status",
                "job=\"imds-prober\"",
                "namespace=\"safe\"",
                "status=\"protected\""))
        .isEqualTo(1.0);
    Double success =
        series(pushed, "imds_prober_last_success_timestamp_seconds", "job=\"imds-prober\"");
    assertThat(success).isNotNull().isPositive();

    cluster.namespace("denied");
    cluster.answerJobCreate(
        "denied", 403, "Forbidden", "admission webhook \"x\" denied the request: no");
    Cli.Result second =
        Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--pushgateway", url);
    assertThat(second.exit()).isEqualTo(2);
    pushed = get("/metrics").body();
    assertThat(
            series(
                pushed, "imds_prober_namespace_status", "namespace=\"denied\"", "status=\"error\""))
        .isEqualTo(1.0);
    assertThat(series(pushed, "imds_prober_sweeps_total", "result=\"partial\"")).isEqualTo(1.0);
    assertThat(series(pushed, "imds_prober_last_success_timestamp_seconds", "job=\"imds-prober\""))
        .isEqualTo(success);
  }

  @Test
  @DisplayName(
      "each push replaces the group: a namespace that is gone leaves no series; the last success"
          + " sits in its own group")
  void replacesTheGroup() throws Exception {
    cluster.namespace("safe");
    cluster.namespace("leaving");
    Path kubeconfig = cluster.kubeconfig(dir);
    Cli.Result first =
        Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--pushgateway", url);
    assertThat(first.exit()).as(first.err()).isZero();
    String pushed = get("/metrics").body();
    assertThat(series(pushed, "imds_prober_namespace_status", "namespace=\"leaving\"")).isNotNull();
    assertThat(
            series(
                pushed,
                "imds_prober_last_success_timestamp_seconds",
                "group=\"last-success\"",
                "job=\"imds-prober\""))
        .isPositive();

    cluster.admin.namespaces().withName("leaving").delete();
    Cli.Result second =
        Cli.run("sweep", "--once", "--kubeconfig", kubeconfig.toString(), "--pushgateway", url);
    assertThat(second.exit()).as(second.err()).isZero();
    pushed = get("/metrics").body();
    assertThat(pushed).doesNotContain("namespace=\"leaving\"");
    assertThat(series(pushed, "imds_prober_namespace_status", "namespace=\"safe\"")).isNotNull();
  }

  @Test
  @DisplayName(
      "cluster.name joins the grouping key: two clusters' probers push to one Pushgateway without"
          + " replacing each other, each series and last success labelled with its cluster")
  void clusterInTheGroupingKey() throws Exception {
    cluster.namespace("shop");
    Path kubeconfig = cluster.kubeconfig(dir);
    for (String name : new String[] {"a", "b"}) {
      Cli.Result r =
          Cli.run(
              "sweep",
              "--once",
              "--kubeconfig",
              kubeconfig.toString(),
              "--pushgateway",
              url,
              "--set",
              "cluster.name=" + name);
      assertThat(r.exit()).as(r.err()).isZero();
    }
    String pushed = get("/metrics").body();
    for (String name : new String[] {"a", "b"}) {
      assertThat(
              series(
                  pushed,
                  "imds_prober_namespace_status",
                  "cluster=\"" + name + "\"",
                  "job=\"imds-prober\"",
                  "namespace=\"shop\"",
                  "status=\"protected\""))
          .as(name)
          .isEqualTo(1.0);
      assertThat(
              series(
                  pushed,
                  "imds_prober_last_success_timestamp_seconds",
                  "cluster=\"" + name + "\"",
                  "group=\"last-success\""))
          .as(name)
          .isPositive();
    }
    // the grouping key of the Pushgateway's own view: one group per cluster
    String groups = get("/api/v1/metrics").body();
    assertThat(groups).contains("\"cluster\":\"a\"").contains("\"cluster\":\"b\"");
  }

  @Test
  @DisplayName(
      "a Pushgateway that cannot be reached is said on stderr; the sweep's exit code stands")
  void unreachable() throws Exception {
    cluster.namespace("safe");
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            cluster.kubeconfig(dir).toString(),
            "--pushgateway",
            "http://127.0.0.1:1");
    assertThat(r.exit()).isZero();
    assertThat(r.err())
        .contains(
            "--pushgateway: cannot push to the Pushgateway http://127.0.0.1:1/metrics/job/imds-prober");
  }
}
