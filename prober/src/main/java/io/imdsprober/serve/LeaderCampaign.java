package io.imdsprober.serve;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands for the Lease, and stands again whenever an election ends: fabric8's elector runs once
 * (after a lost renewal its future completes and it never campaigns again on its own), so a replica
 * that lost the Lease to two API blips would otherwise never lead again.
 */
final class LeaderCampaign implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(LeaderCampaign.class);

  private final KubernetesClient electionClient;
  private final LeaderElectionConfig election;
  private final String identity;
  private final Runnable onStop;
  private final Duration retry;
  private volatile boolean stopping;
  private volatile CompletableFuture<?> current;

  /**
   * @param client the prober's client; the elector gets one of its own from its configuration
   * @param onLead called when this replica takes the Lease
   * @param onStop called when it loses or gives it up (also when an election ends abnormally)
   */
  LeaderCampaign(
      KubernetesClient client, Config config, String identity, Runnable onLead, Runnable onStop) {
    this.identity = identity;
    this.onStop = onStop;
    this.retry = config.get(Keys.LEADER_ELECTION_RETRY_PERIOD);
    String ns = config.get(Keys.LEADER_ELECTION_NAMESPACE);
    if (ns.isEmpty()) {
      ns = client.getNamespace() == null ? "default" : client.getNamespace();
    }
    String lease = config.get(Keys.LEADER_ELECTION_LEASE);
    logger.info("{} asks for Lease {}/{}", identity, ns, lease);
    this.electionClient = electionClient(client, config.get(Keys.LEADER_ELECTION_RENEW_DEADLINE));
    this.election =
        new LeaderElectionConfigBuilder()
            .withName("imds-prober")
            .withLock(new LeaseLock(ns, lease, identity))
            .withLeaseDuration(config.get(Keys.LEADER_ELECTION_LEASE_DURATION))
            .withRenewDeadline(config.get(Keys.LEADER_ELECTION_RENEW_DEADLINE))
            .withRetryPeriod(retry)
            .withReleaseOnCancel()
            .withLeaderCallbacks(
                new LeaderCallbacks(
                    onLead::run,
                    onStop::run,
                    leader ->
                        logger.info(
                            leader == null ? "the Lease is free" : "the leader is {}", leader)))
            .build();
  }

  /**
   * The client the elector uses: no retries and a request timeout under the renew deadline. With
   * the sweep's retries (5, with doubling backoff) one renewal could outlast the renew deadline,
   * and a leader cut off from the API server would go on sweeping after another took the Lease.
   */
  private static KubernetesClient electionClient(KubernetesClient client, Duration renew) {
    int timeout = (int) Math.max(200, renew.toMillis() / 2);
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0)
                .withRequestTimeout(timeout)
                .withConnectionTimeout(timeout)
                .build())
        .build();
  }

  /** Stands for the Lease now, and again after every election that ends. */
  void start() {
    if (stopping) {
      return;
    }
    CompletableFuture<?> f;
    try {
      f = electionClient.leaderElector().withConfig(election).build().start();
    } catch (RuntimeException e) {
      logger.warn("{} cannot stand for the Lease now ({}); trying again", identity, e.toString());
      later(this::start);
      return;
    }
    current = f;
    f.whenComplete(
        (r, e) -> {
          if (stopping) {
            return;
          }
          onStop.run();
          logger.warn(
              "{} is out of the election ({}); standing for the Lease again",
              identity,
              e == null ? "the Lease was lost" : e.toString());
          later(this::start);
        });
  }

  private void later(Runnable r) {
    CompletableFuture.delayedExecutor(retry.toMillis(), TimeUnit.MILLISECONDS).execute(r);
  }

  /** Stops standing, and gives the Lease up if this replica holds it. */
  void stop() {
    stopping = true;
    CompletableFuture<?> f = current;
    if (f != null) {
      f.cancel(true); // releases the Lease
    }
  }

  @Override
  public void close() {
    stop();
    electionClient.close();
  }
}
