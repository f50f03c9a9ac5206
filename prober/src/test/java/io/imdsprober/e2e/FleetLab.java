package io.imdsprober.e2e;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.config.Config;
import io.imdsprober.lab.Tools;
import io.imdsprober.serve.TestServe;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A fleet of two clusters as DESIGN.md "Many clusters" sets it up: two mock API servers with a fake
 * kubelet each, two {@code serve} in this process, a Prometheus per cluster with {@code
 * external_labels: {cluster: a|b}} scraping its prober, a global Prometheus federating both ({@code
 * /federate}, {@code honor_labels}) with the project's rules, and one Alertmanager that sends to a
 * webhook here. Namespaces of the same names in both clusters; what each one's probe finds is
 * scripted per cluster. Everything listens on loopback only.
 */
final class FleetLab implements AutoCloseable {
  /** A notification the webhook received: one alert of Alertmanager's payload. */
  record Notification(String status, Map<String, String> labels) {}

  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  final List<Notification> notifications = new CopyOnWriteArrayList<>();
  final Map<String, MockCluster> clusters = new LinkedHashMap<>();
  final Map<String, FakeKubelet> kubelets = new LinkedHashMap<>();
  final int globalPort;

  /**
   * @param dir where the Prometheus and Alertmanager data and logs go
   * @param exposed per cluster, the namespaces whose probe reaches the metadata service; every
   *     other namespace of {@code namespaces} is protected
   */
  FleetLab(Path dir, List<String> namespaces, Map<String, List<String>> exposed) throws Exception {
    Path prometheusBin = Tools.require("prometheus", "prometheus");
    Path alertmanagerBin = Tools.require("prometheus-alertmanager", "prometheus-alertmanager");
    try {
      List<String> federated = new ArrayList<>();
      for (Map.Entry<String, List<String>> e : exposed.entrySet()) {
        String name = e.getKey();
        MockCluster cluster = new MockCluster();
        closeables.add(cluster);
        FakeKubelet kubelet =
            new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
        closeables.add(kubelet);
        cluster.node(
            "node-1",
            "aws:///eu-west-1a/i-0123456789abcdef0",
            Map.of("eks.amazonaws.com/nodegroup", "general", "kubernetes.io/os", "linux"));
        for (String ns : namespaces) {
          cluster.namespace(ns);
        }
        for (String ns : e.getValue()) {
          kubelet.script(ns, FakeKubelet.facts(ProbeFacts.EXPOSED));
        }
        clusters.put(name, cluster);
        kubelets.put(name, kubelet);
        Path own = Files.createDirectories(dir.resolve("cluster-" + name));
        Config config = TestServe.config(Map.of("serve.interval", "5s"));
        TestServe serve = TestServe.of(cluster, own, config, Clock.systemUTC(), name, "fleet");
        closeables.add(serve);
        serve.service().start();
        int prometheus =
            prometheus(
                prometheusBin,
                Files.createDirectories(own.resolve("prometheus")),
                """
                global:
                  scrape_interval: 1s
                  external_labels: {cluster: %s}
                scrape_configs:
                  - job_name: imds-prober
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """
                    .formatted(name, serve.service().port()));
        federated.add("'127.0.0.1:" + prometheus + "'");
      }

      HttpServer webhook =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
      webhook.createContext(
          "/alerts",
          ex -> {
            try (ex) {
              receive(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
              ex.sendResponseHeaders(200, -1);
            }
          });
      webhook.start();
      closeables.add(() -> webhook.stop(0));

      int alertmanagerPort = AlertLab.freePort();
      Path am = Files.createDirectories(dir.resolve("alertmanager"));
      Files.writeString(
          am.resolve("alertmanager.yml"),
          """
          route:
            receiver: webhook
            group_by: [alertname, cluster, namespace]
            group_wait: 1s
            group_interval: 1s
            repeat_interval: 1h
          receivers:
            - name: webhook
              webhook_configs:
                - url: http://127.0.0.1:%d/alerts
                  send_resolved: true
          """
              .formatted(webhook.getAddress().getPort()));
      start(
          am,
          "alertmanager",
          alertmanagerBin.toString(),
          "--config.file=" + am.resolve("alertmanager.yml"),
          "--storage.path=" + am.resolve("data"),
          "--web.listen-address=127.0.0.1:" + alertmanagerPort,
          "--cluster.listen-address=");
      awaitReady("http://127.0.0.1:" + alertmanagerPort + "/-/ready");

      Path global = Files.createDirectories(dir.resolve("global"));
      Files.writeString(global.resolve("rules.yaml"), alertRules());
      globalPort =
          prometheus(
              prometheusBin,
              global,
              """
              global:
                scrape_interval: 1s
                evaluation_interval: 1s
              rule_files: [rules.yaml]
              alerting:
                alertmanagers:
                  - static_configs:
                      - targets: ['127.0.0.1:%d']
              scrape_configs:
                - job_name: federate
                  honor_labels: true
                  metrics_path: /federate
                  params:
                    'match[]': ['{job="imds-prober"}']
                  static_configs:
                    - targets: [%s]
              """
                  .formatted(alertmanagerPort, String.join(", ", federated)));
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** Starts a Prometheus with the configuration in {@code dir}; returns its port. */
  private int prometheus(Path binary, Path dir, String config) throws Exception {
    int port = AlertLab.freePort();
    Files.writeString(dir.resolve("prometheus.yml"), config);
    start(
        dir,
        "prometheus",
        binary.toString(),
        "--config.file=" + dir.resolve("prometheus.yml"),
        "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port,
        "--rules.alert.resend-delay=1s");
    awaitReady("http://127.0.0.1:" + port + "/-/ready");
    return port;
  }

  /** The global Prometheus's answer to an instant query: the JSON's result list. */
  @SuppressWarnings("unchecked")
  List<Map<String, Object>> query(String promql) throws Exception {
    String url =
        "http://127.0.0.1:"
            + globalPort
            + "/api/v1/query?query="
            + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    String body =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Object> answer = JSON.unmarshal(body, Map.class);
    if (!"success".equals(answer.get("status"))) {
      throw new AssertionError(promql + ": " + body);
    }
    return (List<Map<String, Object>>) ((Map<String, Object>) answer.get("data")).get("result");
  }

  /** The global Prometheus's alerts (firing and pending), as label maps. */
  @SuppressWarnings("unchecked")
  List<Map<String, String>> alerts() throws Exception {
    String body =
        HTTP.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + globalPort + "/api/v1/alerts"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Object> answer = JSON.unmarshal(body, Map.class);
    List<Map<String, String>> out = new ArrayList<>();
    for (Map<String, Object> a :
        (List<Map<String, Object>>) ((Map<String, Object>) answer.get("data")).get("alerts")) {
      out.add((Map<String, String>) a.get("labels"));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private void receive(String body) {
    Map<String, Object> payload = JSON.unmarshal(body, Map.class);
    for (Map<String, Object> alert : (List<Map<String, Object>>) payload.get("alerts")) {
      notifications.add(
          new Notification(
              (String) alert.get("status"), Map.copyOf((Map<String, String>) alert.get("labels"))));
    }
  }

  /** The PrometheusRule's spec, the project's rules as a plain rule file. */
  private static String alertRules() throws IOException {
    Path rule =
        Path.of("..", "manifests", "components", "prometheus-operator", "prometheusrule.yaml");
    GenericKubernetesResource r =
        JSON.unmarshal(Files.readString(rule), GenericKubernetesResource.class);
    return JSON.asYaml(r.getAdditionalProperties().get("spec"));
  }

  private void start(Path dir, String name, String... command) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    closeables.add(
        () -> {
          p.destroy();
          if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        });
  }

  private static void awaitReady(String url) {
    org.awaitility.Awaitility.await(url + " ready")
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () ->
                HTTP.send(
                            HttpRequest.newBuilder(URI.create(url)).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200);
  }

  /** Stops every process, serve and mock cluster, in reverse order. */
  @Override
  public void close() {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        System.err.println("fleet lab cleanup: " + e);
      }
    }
    closeables.clear();
  }
}
