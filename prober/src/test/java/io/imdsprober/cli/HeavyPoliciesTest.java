package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.lab.JavaCommand;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, "weight": a tenant with {@code edit} writes 40 NetworkPolicies of about 0.9 MB each
 * (25,000 {@code /32} ipBlock peers, under the API server's object size limit) in its namespace.
 * The prober runs as the image runs it, in its own JVM with {@code jvm/serve.options} (a 128 MB
 * heap that exits on OutOfMemoryError), against the mock API server: {@code sweep --once} and
 * {@code serve} keep going, that namespace's prediction is {@code incomplete} with the cap named,
 * and the other namespaces are judged as usual.
 */
class HeavyPoliciesTest {
  static final Path SERVE_OPTIONS = Path.of("..", "jvm", "serve.options");
  static final int POLICIES = 40;
  static final int PEERS = 25_000;
  static final String REASON =
      "NetworkPolicy heavy/heavy-00 has "
          + (PEERS + 1)
          + " peers, over policy.maxPeersPerPolicy=5000";

  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;
  Path kubeconfig;
  final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
    // discovery as an API server answers it (the CRUD mock would answer /apis with every object
    // stored under /apis, the heavy policies included: no API server does)
    cluster
        .server
        .expect()
        .get()
        .withPath("/apis")
        .andReturn(
            200,
            new APIGroupListBuilder()
                .addNewGroup()
                .withName("networking.k8s.io")
                .withNewPreferredVersion()
                .withGroupVersion("networking.k8s.io/v1")
                .withVersion("v1")
                .endPreferredVersion()
                .endGroup()
                .build())
        .always();
    cluster.namespace("heavy");
    cluster.namespace("open");
    cluster.namespace("safe");
    kubelet.script("open", FakeKubelet.facts(ProbeFacts.EXPOSED));
    cluster
        .admin
        .network()
        .v1()
        .networkPolicies()
        .resource(MockCluster.denyEgress("safe"))
        .create();
    String body = heavyPolicy();
    assertThat(body.length()).as("about 0.9 MB each").isBetween(850_000, 1_000_000);
    for (int i = 0; i < POLICIES; i++) {
      post("heavy", body.replace("NAME", String.format("heavy-%02d", i)));
    }
    kubeconfig = cluster.kubeconfig(dir);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    kubelet.close();
    cluster.close();
  }

  @Test
  @DisplayName(
      "sweep --once with the image's heap: 40 policies of 0.9 MB leave that namespace incomplete"
          + " (the policy and the cap named), the others judged, and no OutOfMemoryError")
  void sweepOnce() throws Exception {
    Process p = prober("sweep.log", "sweep", "--once", "--output", "json");
    assertThat(p.waitFor(110, TimeUnit.SECONDS)).as("the sweep ends").isTrue();
    String out = Files.readString(dir.resolve("sweep.log"));
    String log = Files.readString(dir.resolve("sweep.log.err")) + tail(out);
    assertThat(log).doesNotContain("OutOfMemoryError");
    assertThat(p.exitValue()).as(log).isEqualTo(1); // "open" is exposed: the exposure code

    Map<String, Map<String, Object>> by = byNamespace(out);
    assertThat(by.get("open")).containsEntry("verdict", "exposed");
    assertThat(policy(by.get("safe"))).containsEntry("probe", "denied");
    assertThat(policy(by.get("safe")).get("drift")).asList().isEmpty();
    assertThat(by.get("heavy")).containsEntry("verdict", "protected");
    Map<String, Object> heavy = policy(by.get("heavy"));
    assertThat(heavy.get("drift")).asList().containsExactly("incomplete");
    assertThat(heavy.get("undecided"))
        .asList()
        .contains(REASON)
        .anySatisfy(
            r -> assertThat(r).asString().contains("over policy.maxPeersPerNamespace=20000"));
  }

  @Test
  @DisplayName(
      "serve with the image's heap: its informer holds the policies trimmed; it keeps running and"
          + " scraping through a sweep and a re-probe of the heavy namespace after a change there;"
          + " that namespace is incomplete, the others are judged")
  void serve() throws Exception {
    int port = freePort();
    Path config = dir.resolve("config.yaml");
    Files.writeString(
        config,
        """
        serve:
          interval: 1h
          metricsPort: %d
          bindAddress: 127.0.0.1
          pacing: false
        leaderElection:
          enabled: false
        """
            .formatted(port));
    Process p = prober("serve.log", "serve", "--config", config.toString());
    String metrics = "http://127.0.0.1:" + port + "/metrics";

    Awaitility.await("the first sweep is on /metrics")
        .atMost(Duration.ofSeconds(60))
        .failFast(
            "serve exited",
            () -> {
              if (!p.isAlive()) {
                throw new AssertionError(
                    "serve exited "
                        + p.exitValue()
                        + ": "
                        + tail(Files.readString(dir.resolve("serve.log")))
                        + tail(Files.readString(dir.resolve("serve.log.err"))));
              }
              return false;
            })
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              String m = scrape(metrics);
              return has(
                      m, "imds_prober_policy_drift", "namespace=\"heavy\"", "kind=\"incomplete\"")
                  && has(
                      m, "imds_prober_namespace_status", "namespace=\"open\"", "status=\"exposed\"")
                  && has(
                      m,
                      "imds_prober_namespace_status",
                      "namespace=\"safe\"",
                      "status=\"protected\"")
                  && sweeps(m) >= 1;
            });

    // a change in the heavy namespace: the informer holds the new policy as a stub, the
    // re-probe reads the informer's policies, and the namespace stays incomplete
    post("heavy", heavyPolicy().replace("NAME", "heavy-new"));
    Awaitility.await("a re-probe of the heavy namespace (a second probe Job there)")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> kubelet.jobsSeen.stream().filter("heavy"::equals).count() >= 2);
    Awaitility.await("the re-probe's result is on /metrics")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                Pattern.compile(
                        "^imds_prober_change_to_result_seconds_count(\\{[^}]*\\})? [1-9]",
                        Pattern.MULTILINE)
                    .matcher(scrape(metrics))
                    .find());
    String m = scrape(metrics);
    assertThat(p.isAlive()).as(Files.readString(dir.resolve("serve.log.err"))).isTrue();
    assertThat(has(m, "imds_prober_policy_drift", "namespace=\"heavy\"", "kind=\"incomplete\""))
        .isTrue();
    assertThat(has(m, "imds_prober_policy_drift", "namespace=\"safe\"", "kind=\"incomplete\""))
        .isFalse();
    assertThat(Files.readString(dir.resolve("serve.log.err"))).doesNotContain("OutOfMemoryError");
  }

  /** One NetworkPolicy of 25,000 {@code /32} egress peers, named {@code NAME}, as JSON text. */
  static String heavyPolicy() {
    StringBuilder sb = new StringBuilder(1 << 20);
    sb.append(
        "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":"
            + "{\"name\":\"NAME\",\"namespace\":\"heavy\"},\"spec\":{\"podSelector\":{},"
            + "\"policyTypes\":[\"Egress\"],\"egress\":[{\"to\":[");
    for (int i = 0; i < PEERS; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"ipBlock\":{\"cidr\":\"10.")
          .append(i >> 16 & 255)
          .append('.')
          .append(i >> 8 & 255)
          .append('.')
          .append(i & 255)
          .append("/32\"}}");
    }
    return sb.append("]}]}}").toString();
  }

  /** Creates an object from its JSON text, as kubectl would (no model objects in this JVM). */
  private void post(String ns, String json) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            cluster.url()
                                + "/apis/networking.k8s.io/v1/namespaces/"
                                + ns
                                + "/networkpolicies"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }

  /** The prober's CLI in its own JVM with the image's {@code jvm/serve.options}. */
  private Process prober(String log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(JavaCommand.java().get(0));
    cmd.add("@" + SERVE_OPTIONS.toAbsolutePath());
    cmd.addAll(List.of("-cp", JavaCommand.classpath(), "io.imdsprober.cli.Main"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--kubeconfig", kubeconfig.toString()));
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve(log).toFile())
            .redirectError(dir.resolve(log + ".err").toFile())
            .start();
    processes.add(p);
    return p;
  }

  /** The end of a process's output, for an assertion's message. */
  private static String tail(String out) {
    return out.substring(Math.max(0, out.length() - 2000));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> byNamespace(String json) {
    Map<String, Object> report = new KubernetesSerialization().unmarshal(json, Map.class);
    Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
    for (Map<String, Object> n : (List<Map<String, Object>>) report.get("namespaces")) {
      out.put((String) n.get("namespace"), n);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> policy(Map<String, Object> namespace) {
    return (Map<String, Object>) namespace.get("policy");
  }

  private static String scrape(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Whether a series of {@code name} with these labels (any order) has the value 1. */
  private static boolean has(String metrics, String name, String... labels) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + "{") && line.matches(".*\\} 1(\\.0)?$")) {
        boolean all = true;
        for (String l : labels) {
          all &= line.contains(l);
        }
        if (all) {
          return true;
        }
      }
    }
    return false;
  }

  private static final Pattern SWEEPS =
      Pattern.compile("^imds_prober_sweeps_total\\{[^}]*\\} ([0-9.]+)$", Pattern.MULTILINE);

  private static double sweeps(String metrics) {
    double n = 0;
    var m = SWEEPS.matcher(metrics);
    while (m.find()) {
      n += Double.parseDouble(m.group(1));
    }
    return n;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
