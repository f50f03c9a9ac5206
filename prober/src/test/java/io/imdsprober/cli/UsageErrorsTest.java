package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * A pipeline must tell a typo from a finding: every usage and configuration error exits 3 with one
 * line on stderr naming the flag or key (no doubled words, no parser internals, no Java class
 * names), and nothing is created in the cluster when the run stops early.
 */
class UsageErrorsTest {
  @TempDir static Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;
  String kubeconfig;

  @BeforeEach
  void setUp() throws Exception {
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
    cluster.namespace("team");
    kubeconfig = cluster.kubeconfig(dir).toString();
  }

  @AfterEach
  void tearDown() {
    kubelet.close();
    cluster.close();
  }

  static Stream<Arguments> cases() throws Exception {
    Path badYaml = Files.writeString(dir.resolve("bad.yaml"), "probe:\n  deadline: [1,2\n");
    return Stream.of(
        Arguments.of(List.of("sweep", "--once", "--output", "yaml"), "--output", "'yaml'"),
        Arguments.of(List.of("sweep", "--once", "--set", "garbage"), "--set", "garbage"),
        Arguments.of(List.of("sweep"), "--once", "sweep needs --once"),
        Arguments.of(List.of("sweep", "--once", "--log-format", "yaml"), "--log-format", "'yaml'"),
        Arguments.of(List.of("sweep", "--once", "--bogus"), "--bogus", "Unknown option"),
        Arguments.of(List.of(), "a command is required", "probe, sweep, serve or policy"),
        Arguments.of(List.of("probe", "--metdata", "127.0.0.1:1"), "--metdata", "Unknown"),
        Arguments.of(
            List.of("sweep", "--once", "--set", "probe.deadline=xx"), "--set", "probe.deadline"),
        Arguments.of(List.of("serve", "--interval", "xx"), "--interval", "serve.interval"),
        Arguments.of(
            List.of("serve", "--set", "serve.changeDebounce=-2s"), "--set", "serve.changeDebounce"),
        Arguments.of(List.of("serve", "--set", "serve.pacing=sometimes"), "--set", "serve.pacing"),
        Arguments.of(
            List.of("serve", "--set", "serve.reactToChanges=yes please"),
            "--set",
            "serve.reactToChanges"),
        Arguments.of(List.of("serve", "--metrics-port", "99999"), "--metrics-port", "99999"),
        Arguments.of(
            List.of("serve", "--bind-address", "localhost"), "--bind-address", "localhost"),
        Arguments.of(
            List.of("serve", "--interval", "1m", "--schedule", "0 */10 * * * ?"),
            "--interval and --schedule",
            "give one"),
        Arguments.of(
            List.of("sweep", "--once", "--config", "/nonexistent/config.yaml"),
            "/nonexistent/config.yaml",
            "no such file"),
        Arguments.of(
            List.of("sweep", "--once", "--config", badYaml.toString()),
            "not valid YAML at line 2",
            "expected ',' or ']'"),
        Arguments.of(
            List.of("sweep", "--once", "--junit", "/nonexistent/dir/report.xml"),
            "--junit /nonexistent/dir/report.xml",
            "no directory /nonexistent/dir"),
        Arguments.of(
            List.of("sweep", "--once", "--junit", dir.toString()), "--junit", "a directory"),
        Arguments.of(
            List.of("sweep", "--once", "--selector", "team=typo"),
            "no target namespace",
            "--allow-empty"),
        Arguments.of(
            List.of("sweep", "--once", "--include", "tema"),
            "no target namespace",
            "namespaces.include [tema]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  @DisplayName("exit 3, one line naming the flag, no parser internals, nothing created")
  void usageError(List<String> args, String names, String says) throws Exception {
    List<String> all = new ArrayList<>(args);
    if (!args.isEmpty() && !args.get(0).equals("probe")) {
      all.addAll(List.of("--kubeconfig", kubeconfig));
    }
    Cli.Result r = Cli.run(all.toArray(String[]::new));
    assertThat(r.exit()).as(r.err()).isEqualTo(3);
    List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as("stderr").hasSize(1);
    assertThat(lines.get(0))
        .contains(names)
        .contains(says)
        .doesNotContain("option option")
        .doesNotContain("[Source:")
        .doesNotContainPattern("\\bjava\\.[a-z]+\\.")
        .doesNotContainPattern("[A-Z][a-z]+Exception");
    assertThat(cluster.admin.batch().v1().jobs().inAnyNamespace().list().getItems())
        .as("no Job was created")
        .isEmpty();
    assertThat(kubelet.jobsSeen).isEmpty();
  }

  /** A command that fails the way no command should: an exception it does not handle. */
  @CommandLine.Command(name = "boom")
  static final class Boom implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException(
          "informer failed", new java.io.IOException("Connection refused"));
    }
  }

  @Test
  @DisplayName(
      "a fault no command handles is exit 3 (cannot run) with one line of its causes, never 1"
          + " (the exposure code)")
  void unhandledFault() {
    CommandLine cl = Main.commandLine();
    cl.addSubcommand("boom", new Boom());
    java.io.StringWriter err = new java.io.StringWriter();
    cl.setErr(new java.io.PrintWriter(err, true));
    assertThat(cl.execute("boom")).isEqualTo(3);
    assertThat(err.toString().lines().filter(l -> !l.isBlank()).toList())
        .containsExactly("imds-prober boom: cannot run: informer failed: Connection refused");
  }

  @Test
  @DisplayName("--allow-empty: a selection of nothing is a sweep of nothing, exit 0")
  void allowEmpty() {
    Cli.Result r =
        Cli.run(
            "sweep", "--once", "--kubeconfig", kubeconfig, "--include", "none", "--allow-empty");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(kubelet.jobsSeen).isEmpty();
  }

  @Test
  @DisplayName(
      "a probe image or command the admission policy would deny is exit 3 at start, no Job made")
  void deniedByTheAdmissionPolicy() {
    cluster
        .admin
        .configMaps()
        .inNamespace("imds-prober")
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("imds-prober-admission")
                .withNamespace("imds-prober")
                .endMetadata()
                .addToData("image", "registry.example/imds-prober@sha256:" + "ab".repeat(32))
                .addToData(
                    "command",
                    "java @/opt/imds-prober/probe.options -jar /opt/imds-prober/imds-prober.jar")
                .build())
        .create();
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            kubeconfig,
            "--set",
            "leaderElection.namespace=imds-prober",
            "--image",
            "registry.example/imds-prober:latest");
    assertThat(r.exit()).as(r.err()).isEqualTo(3);
    assertThat(r.err().lines().filter(l -> !l.isBlank()).toList())
        .singleElement()
        .asString()
        .contains(
            "probe.image 'registry.example/imds-prober:latest' is not the image the"
                + " admission policy allows")
        .contains("imds-prober/imds-prober-admission");
    assertThat(kubelet.jobsSeen).isEmpty();

    Cli.Result allowed =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            kubeconfig,
            "--set",
            "leaderElection.namespace=imds-prober",
            "--image",
            "registry.example/imds-prober@sha256:" + "ab".repeat(32));
    assertThat(allowed.exit()).as(allowed.err()).isZero();
  }

  static Stream<Arguments> deniedFields() {
    return Stream.of(
        Arguments.of("probe.tolerations=[{operator: Exists}]", "probe.tolerations ',Exists,,,'"),
        Arguments.of(
            "probe.priorityClassName=system-node-critical",
            "probe.priorityClassName 'system-node-critical' is not the priorityClassName"),
        Arguments.of("probe.cpuLimit=2", "probe.cpuLimit '2' is not the cpuLimit"),
        Arguments.of(
            "probe.nodeSelector=kubernetes.io/hostname=node-1",
            "probe.nodeSelector 'kubernetes.io/hostname=node-1' is not the nodeSelector"),
        Arguments.of(
            "probe.annotations=k8s.v1.cni.cncf.io/networks=host-net",
            "probe.annotations 'k8s.v1.cni.cncf.io/networks=host-net' is not the annotations"
                + " the admission policy allows, 'linkerd.io/inject=disabled;"
                + " sidecar.istio.io/inject=false'"),
        Arguments.of(
            "probe.connectTimeout=1s",
            "probe.connectTimeout '1s' is not the connectTimeout the admission policy allows, '3s'"),
        Arguments.of(
            "probe.settle=500ms",
            "probe.settle '500ms' is not the settle the admission policy allows, '2s'"),
        Arguments.of(
            "probe.retries=0",
            "probe.retries '0' is not the retries the admission policy allows, '2'"),
        Arguments.of(
            "metadata.targets=tcp=10.0.0.5:80",
            "metadata.profile, metadata.targets, metadata.allowed"
                + " 'alibaba=tcp=10.0.0.5:80,tcp=169.254.170.23:80; aws=tcp=10.0.0.5:80,"),
        Arguments.of(
            "metadata.allowed=",
            "metadata.profile, metadata.targets, metadata.allowed 'alibaba=100.100.100.200:80;"
                + " aws=169.254.169.254:80,[fd00:ec2::254]:80;"));
  }

  @Test
  @DisplayName(
      "metadata.profile configured (the nodes' own, so the fake agent's facts fit): its targets are"
          + " one of the shipped lines, not all of them, and the sweep runs")
  void configuredProfileOfTheShippedParameters() throws Exception {
    String image = createShipped();
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            kubeconfig,
            "--set",
            "leaderElection.namespace=imds-prober",
            "--image",
            image,
            "--set",
            "metadata.profile=aws");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(kubelet.jobsSeen).isNotEmpty();
  }

  /** The shipped parameter object, with a digest image, in the cluster; returns the image. */
  String createShipped() throws Exception {
    io.fabric8.kubernetes.api.model.ConfigMap shipped =
        cluster
            .admin
            .getKubernetesSerialization()
            .unmarshal(
                Files.readString(Path.of("../manifests/components/admission-policy/params.yaml")),
                io.fabric8.kubernetes.api.model.ConfigMap.class);
    String image = "registry.example/imds-prober@sha256:" + "ab".repeat(32);
    shipped.getData().put("image", image);
    cluster.admin.configMaps().inNamespace("imds-prober").resource(shipped).create();
    return image;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deniedFields")
  @DisplayName(
      "a probe field the shipped parameter object would deny is exit 3 at start naming the key,"
          + " no Job made")
  void deniedFieldOfTheShippedParameters(String setting, String message) throws Exception {
    String image = createShipped();
    String[] args = {
      "sweep",
      "--once",
      "--kubeconfig",
      kubeconfig,
      "--set",
      "leaderElection.namespace=imds-prober",
      "--image",
      image,
      "--set",
      setting
    };
    Cli.Result r = Cli.run(args);
    assertThat(r.exit()).as(r.err()).isEqualTo(3);
    assertThat(r.err().lines().filter(l -> !l.isBlank()).toList())
        .singleElement()
        .asString()
        .contains(message)
        .contains("imds-prober/imds-prober-admission")
        .contains("every probe Job would be denied");
    assertThat(kubelet.jobsSeen).isEmpty();
  }
}
