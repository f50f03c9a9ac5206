package io.imdsprober.sweep;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A mock cluster, a fake kubelet and a sweeper with short timings, for one test. */
final class SweepFixture implements AutoCloseable {
  static final Sweeper.Timing FAST =
      new Sweeper.Timing(Duration.ofMillis(300), Duration.ofMillis(500));

  final MockCluster cluster = new MockCluster();
  final FakeKubelet kubelet =
      new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
  final Path dir;
  private KubernetesClient proberClient;

  SweepFixture(Path dir) {
    this.dir = dir;
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
  }

  /** The configuration for a test: a 5 s deadline and the given keys. */
  static Config config(Map<String, String> keys) {
    Map<String, String> all = new HashMap<>();
    all.put(Keys.PROBE_DEADLINE.name(), "5s");
    all.put(Keys.ORPHAN_MAX_AGE.name(), "1m");
    all.putAll(keys);
    return Config.load(Keys.ALL, null, Map.of(), all);
  }

  Sweeper sweeper(Config config) throws Exception {
    if (proberClient == null) {
      proberClient =
          KubeConnection.connect(cluster.kubeconfig(dir), null, config, MockCluster.PROBER_AGENT);
    }
    return new Sweeper(
        proberClient, config, "registry.invalid/imds-prober:test", FAST, Clock.systemUTC());
  }

  SweepResult sweep(Map<String, String> keys) throws Exception {
    try (Sweeper s = sweeper(config(keys))) {
      return s.sweep();
    }
  }

  @Override
  public void close() {
    kubelet.close();
    if (proberClient != null) {
      proberClient.close();
    }
    cluster.close();
  }
}
