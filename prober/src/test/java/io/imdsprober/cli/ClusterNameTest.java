package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code cluster.name}: a name a Prometheus label value, a Pushgateway grouping key segment and an
 * OpenReports property all carry as it is, or a configuration error that names the key (exit 3)
 * before anything is probed.
 */
class ClusterNameTest {
  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
    cluster.namespace("shop");
  }

  @AfterEach
  void tearDown() {
    kubelet.close();
    cluster.close();
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "a/b",
        "..",
        ".",
        "-eu",
        "_eu",
        "eu west",
        "eu\"west",
        "ëu",
        "eu%2Fwest",
        "0123456789012345678901234567890123456789012345678901234567890123"
      })
  @DisplayName("a name that a label value or a grouping key path cannot carry is exit 3, naming it")
  void refused(String name) throws Exception {
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            cluster.kubeconfig(dir).toString(),
            "--pushgateway",
            "http://127.0.0.1:1",
            "--set",
            "cluster.name=" + name);
    assertThat(r.exit()).as(r.err()).isEqualTo(3);
    assertThat(r.err())
        .contains("configuration error")
        .contains("cluster.name")
        .contains("not a cluster name");
    assertThat(kubelet.jobsSeen).as("nothing probed").isEmpty();
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "b",
        "eu-west-1.prod",
        "GKE_europe_2",
        "c12345678901234567890123456789012345678901234567890123456789012"
      })
  @DisplayName("a well-formed name is taken; the sweep runs as without one")
  void taken(String name) throws Exception {
    Cli.Result r =
        Cli.run(
            "sweep",
            "--once",
            "--kubeconfig",
            cluster.kubeconfig(dir).toString(),
            "--output",
            "openreports",
            "--set",
            "cluster.name=" + name);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("cluster: \"" + name + "\"");
    assertThat(List.copyOf(kubelet.jobsSeen)).hasSize(1);
  }
}
