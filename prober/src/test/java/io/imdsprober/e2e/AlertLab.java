package io.imdsprober.e2e;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.lab.JavaCommand;
import io.imdsprober.lab.NetLab;
import io.imdsprober.lab.ProbeLab;
import io.imdsprober.lab.TestCa;
import io.imdsprober.lab.Tools;
import io.imdsprober.serve.ProberService;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.KubeConnection;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.Sweeper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The whole chain on real network stacks: the mock API server plays the cluster, a fake kubelet
 * runs each probe pod's real agent command in a network namespace wired for its namespace's
 * scenario, the prober serves metrics, a real Prometheus (Debian prometheus) scrapes it with the
 * project's alert rules, a real Alertmanager (Debian prometheus-alertmanager) routes to a webhook
 * receiver here. Everything of the root namespace listens on loopback only.
 */
public final class AlertLab implements AutoCloseable {
  /** The namespaces and what their network does. */
  public static final List<String> SCENARIOS =
      List.of(
          "drop", "reject", "exposed", "reachable", "degraded", "flip", "notenforced", "exempt");

  /** Egress anywhere but the metadata addresses (the project's own example policy). */
  private static final String CARVE_OUT =
      """
      egress:
        - to:
            - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}
            - ipBlock: {cidr: '::/0', except: ['fd00:ec2::254/128']}
      """;

  /** A notification the webhook received: one alert of Alertmanager's payload. */
  public record Notification(Instant at, String status, String alertname, String namespace) {}

  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

  private final Path dir;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Map<String, ProbeLab> labs = new LinkedHashMap<>();
  public final List<Notification> notifications = new CopyOnWriteArrayList<>();
  public final MockCluster cluster;
  public final ProberService serve;
  public final int servePort;
  public final int prometheusPort;
  public final int alertmanagerPort;
  public final Duration interval;

  public AlertLab(Path dir, Duration interval, int servePort) throws Exception {
    NetLab.requireNetns();
    Path prometheusBin = Tools.require("prometheus", "prometheus");
    Path alertmanagerBin = Tools.require("prometheus-alertmanager", "prometheus-alertmanager");
    this.dir = dir;
    this.interval = interval;
    try {
      TestCa ca = TestCa.create(dir.resolve("ca"), ProbeLab.EGRESS_HOST);
      for (String s : SCENARIOS) {
        ProbeLab lab = new ProbeLab(Files.createDirectories(dir.resolve("lab-" + s)), ca, false);
        closeables.add(lab);
        labs.put(s, lab);
      }
      scenario("drop", "blackhole", "plain");
      scenario("reject", "prohibit", "plain");
      scenario("exposed", "open", "aws-v1");
      scenario("reachable", "open", "aws-v2");
      scenario("degraded", "blackhole", "plain");
      labs.get("degraded").blockDns(true);
      scenario("flip", "blackhole", "aws-v1");
      // the policy blocks the metadata service, the router lets it through: not enforced
      scenario("notenforced", "open", "aws-v1");
      // the router blocks it (the probe is protected), but the policy exempts app=web from the
      // carve-out: web is exposed by policy
      scenario("exempt", "blackhole", "aws-v1");

      cluster = new MockCluster();
      closeables.add(cluster);
      cluster.node(
          "node-1",
          "aws:///eu-west-1a/i-0123456789abcdef0",
          Map.of("eks.amazonaws.com/nodegroup", "lab", "kubernetes.io/os", "linux"));
      FakeKubelet kubelet =
          new FakeKubelet(
              cluster.admin,
              FakeKubelet.failedCreate(
                  "Error creating: pods \"imds-probe\" is forbidden: exceeded quota: lab-quota,"
                      + " requested: pods=1, used: pods=0, limited: pods=0"));
      closeables.add(kubelet);
      for (String s : SCENARIOS) {
        cluster.namespace(s);
        kubelet.script(s, new AgentScript(labs.get(s), dir));
      }
      policy("notenforced", "carve-out", "podSelector: {}\npolicyTypes: [Egress]\n" + CARVE_OUT);
      policy(
          "exempt",
          "carve-out-but-web",
          """
          podSelector:
            matchExpressions: [{key: app, operator: NotIn, values: [web]}]
          policyTypes: [Egress]
          """
              + CARVE_OUT);
      policy(
          "exempt",
          "web-anywhere",
          "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{}]\n");
      cluster
          .admin
          .resource(
              JSON.unmarshal(
                  """
                  apiVersion: v1
                  kind: Pod
                  metadata:
                    name: web-5d8f-x1
                    namespace: exempt
                    labels: {app: web}
                    ownerReferences:
                      - {apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f, uid: u-web, controller: true}
                  spec: {containers: [{name: web, image: nginx}]}
                  """,
                  io.fabric8.kubernetes.api.model.Pod.class))
          .create();
      // flip: protected by its carve-out policy, which the lab's router enforces (it follows the
      // policy objects of the namespace, as a CNI would)
      fixFlip();
      SharedIndexInformer<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy> cni =
          cluster
              .admin
              .network()
              .v1()
              .networkPolicies()
              .inNamespace("flip")
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(
                        io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy p) {
                      labs.get("flip").policyAll("blackhole");
                    }

                    @Override
                    public void onUpdate(
                        io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy a,
                        io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy b) {}

                    @Override
                    public void onDelete(
                        io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy p,
                        boolean unknown) {
                      labs.get("flip").policyAll("open");
                    }
                  });
      closeables.add(cni::stop);
      // an opt-out, on record on the dashboard (never probed, never alerted within the lab)
      cluster.namespace("optout", Map.of(), Map.of("imds-prober.io/skip", "true"));

      Path configFile = dir.resolve("prober.yaml");
      Files.writeString(configFile, proberConfig(ca, interval, servePort));
      Config config = Config.load(Keys.ALL, configFile, Map.of(), Map.of());
      KubernetesClient client =
          KubeConnection.connect(cluster.kubeconfig(dir), null, config, MockCluster.PROBER_AGENT);
      closeables.add(client);
      serve =
          new ProberService(
              client,
              config,
              "lab",
              "lab",
              new Sweeper.Timing(Duration.ofSeconds(10), Duration.ofSeconds(5)),
              Clock.systemUTC(),
              "lab",
              servePort);
      closeables.add(serve);
      serve.start();
      this.servePort = serve.port();

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

      alertmanagerPort = freePort();
      Path am = Files.createDirectories(dir.resolve("alertmanager"));
      Files.writeString(
          am.resolve("alertmanager.yml"),
          """
          route:
            receiver: webhook
            group_by: [alertname, namespace]
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
          "alertmanager",
          am,
          alertmanagerBin.toString(),
          "--config.file=" + am.resolve("alertmanager.yml"),
          "--storage.path=" + am.resolve("data"),
          "--web.listen-address=127.0.0.1:" + alertmanagerPort,
          "--cluster.listen-address=");
      awaitReady("http://127.0.0.1:" + alertmanagerPort + "/-/ready");

      prometheusPort = freePort();
      Path prom = Files.createDirectories(dir.resolve("prometheus"));
      Files.writeString(prom.resolve("rules.yaml"), alertRules());
      Files.writeString(
          prom.resolve("prometheus.yml"),
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
            - job_name: imds-prober
              static_configs:
                - targets: ['127.0.0.1:%d']
          """
              .formatted(alertmanagerPort, this.servePort));
      start(
          "prometheus",
          prom,
          prometheusBin.toString(),
          "--config.file=" + prom.resolve("prometheus.yml"),
          "--storage.tsdb.path=" + prom.resolve("data"),
          "--web.listen-address=127.0.0.1:" + prometheusPort,
          "--rules.alert.resend-delay=1s");
      awaitReady("http://127.0.0.1:" + prometheusPort + "/-/ready");
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  private void scenario(String name, String policy, String profile) {
    ProbeLab lab = labs.get(name);
    lab.imds.send("profile " + profile);
    lab.policyAll(policy);
  }

  private void policy(String namespace, String name, String spec) {
    cluster
        .admin
        .resource(
            JSON.unmarshal(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: "
                    + name
                    + ", namespace: "
                    + namespace
                    + "}\nspec:\n"
                    + spec.indent(2),
                io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class))
        .create();
  }

  /**
   * A tenant deletes the flip namespace's carve-out policy: the lab's router follows, and the
   * namespace's IMDS (IMDSv1) answers.
   */
  public void exposeFlip() {
    cluster
        .admin
        .network()
        .v1()
        .networkPolicies()
        .inNamespace("flip")
        .withName("carve-out")
        .delete();
  }

  /** The flip namespace is fixed: its carve-out policy is back, the router drops the addresses. */
  public void fixFlip() {
    policy("flip", "carve-out", "podSelector: {}\npolicyTypes: [Egress]\n" + CARVE_OUT);
  }

  /** Prometheus's firing alerts (its /api/v1/alerts JSON). */
  public String alerts() throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + prometheusPort + "/api/v1/alerts"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** A namespace whose probe pod never starts (a quota with no room): an error verdict. */
  public void addBrokenNamespace() {
    cluster.namespace("broken");
  }

  /** Prometheus's answer to an instant query: the JSON. */
  public String query(String promql) throws Exception {
    String url =
        "http://127.0.0.1:"
            + prometheusPort
            + "/api/v1/query?query="
            + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The prober's /metrics. */
  public String metrics() throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servePort + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @SuppressWarnings("unchecked")
  private void receive(String body) {
    Map<String, Object> payload = JSON.unmarshal(body, Map.class);
    for (Map<String, Object> alert : (List<Map<String, Object>>) payload.get("alerts")) {
      Map<String, String> labels = (Map<String, String>) alert.get("labels");
      notifications.add(
          new Notification(
              Instant.now(),
              (String) alert.get("status"),
              labels.get("alertname"),
              labels.get("namespace")));
    }
  }

  private String proberConfig(TestCa ca, Duration interval, int port) {
    List<String> command = new ArrayList<>(JavaCommand.java());
    command.addAll(ca.trustFlags());
    command.addAll(List.of("-cp", JavaCommand.classpath(), "io.imdsprober.cli.Launcher"));
    StringBuilder list = new StringBuilder();
    for (String c : command) {
      list.append("\n    - '").append(c.replace("'", "''")).append('\'');
    }
    return """
        probe:
          # nine agent JVMs at once on two cores slow each other past short timeouts (a
          # healthy namespace then reads degraded): four at a time, and 3 s (the shipped default)
          # for each check, so that a loaded machine (CI, bench/loaded-verify.sh) still gives the
          # agents' TLS handshakes room
          maxInFlight: 4
          deadline: 60s
          connectTimeout: 3s
          settle: 500ms
          retries: 1
          command:%s
        orphans:
          maxAge: 5m
        egress:
          urls: ["https://%s/"]
        serve:
          interval: %ds
          metricsPort: %d
          # the lab's first sweep is a burst, so that every scenario is judged at once
          pacing: false
        leaderElection:
          enabled: false
        """
        .formatted(list, ProbeLab.EGRESS_HOST, interval.toSeconds(), port);
  }

  private static String alertRules() throws IOException {
    Path rule =
        Path.of("..", "manifests", "components", "prometheus-operator", "prometheusrule.yaml");
    GenericKubernetesResource r =
        JSON.unmarshal(Files.readString(rule), GenericKubernetesResource.class);
    return JSON.asYaml(r.getAdditionalProperties().get("spec"));
  }

  private void start(String name, Path workDir, String... command) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(workDir.resolve(name + ".log").toFile())
            .start();
    closeables.add(
        () -> {
          p.destroy();
          if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
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

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Stops every process and removes every network namespace, in reverse order. */
  @Override
  public void close() {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        System.err.println("lab cleanup: " + e);
      }
    }
    closeables.clear();
  }
}
