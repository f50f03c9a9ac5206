package io.imdsprober.serve;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.sweep.KubeConnection;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.Sweeper;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A serve against a mock cluster, with short timings, on any free port; closing stops both. */
public record TestServe(ProberService service, KubernetesClient client) implements AutoCloseable {
  /** Short no-pod check and result grace, so failure paths finish in a test's time. */
  public static final Sweeper.Timing FAST =
      new Sweeper.Timing(Duration.ofMillis(300), Duration.ofMillis(500));

  /**
   * Configuration for a serve test: 1 s interval, 5 s probe deadline, no leader election, then the
   * given keys.
   */
  public static Config config(Map<String, String> keys) {
    Map<String, String> all = new HashMap<>();
    all.put("probe.deadline", "5s");
    all.put("orphans.maxAge", "1m");
    all.put("serve.interval", "1s");
    all.put("leaderElection.enabled", "false");
    all.putAll(keys);
    return Config.load(Keys.ALL, null, Map.of(), all);
  }

  /** A serve (not started) whose client the kubeconfig of {@code cluster} names. */
  public static TestServe of(
      MockCluster cluster, Path dir, Config config, Clock clock, String identity, String version)
      throws Exception {
    return of(cluster, dir, config, clock, identity, version, MockCluster.PROBER_AGENT);
  }

  /** A serve (not started) that reaches the API server through the given kubeconfig. */
  public static TestServe of(Path kubeconfig, Config config, String identity) throws Exception {
    KubernetesClient client =
        KubeConnection.connect(kubeconfig, null, config, MockCluster.PROBER_AGENT);
    return new TestServe(
        new ProberService(
            client,
            config,
            "registry.invalid/imds-prober:test",
            "test",
            FAST,
            Clock.systemUTC(),
            identity,
            0),
        client);
  }

  /** The same, with its own User-Agent, so that the mock can fail this replica's requests. */
  public static TestServe of(
      MockCluster cluster,
      Path dir,
      Config config,
      Clock clock,
      String identity,
      String version,
      String userAgent)
      throws Exception {
    KubernetesClient client =
        KubeConnection.connect(cluster.kubeconfig(dir), null, config, userAgent);
    return new TestServe(
        new ProberService(
            client, config, "registry.invalid/imds-prober:test", version, FAST, clock, identity, 0),
        client);
  }

  @Override
  public void close() {
    service.close();
    client.close();
  }
}
