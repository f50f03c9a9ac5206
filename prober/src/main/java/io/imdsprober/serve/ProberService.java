package io.imdsprober.serve;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import io.imdsprober.metrics.MetricsServer;
import io.imdsprober.metrics.ProberMetrics;
import io.imdsprober.report.NamespaceEvents;
import io.imdsprober.report.ReportWriter;
import io.imdsprober.schedule.SweepScheduler;
import io.imdsprober.sweep.AdmissionParams;
import io.imdsprober.sweep.ApiErrors;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepException;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.sweep.Sweeper;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve}: sweeps on a schedule while this replica holds the Lease, re-probes a namespace
 * soon after a change to it ({@link ChangeReprobes}), publishes each namespace's result (metrics,
 * Event, report) as soon as its probe is over, and serves the HTTP endpoints.
 */
public final class ProberService implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ProberService.class);
  private static final Duration READY_CACHE = Duration.ofSeconds(5);

  /** How long after its deadline a sweep may still be closing before /healthz fails. */
  private static final Duration OVERRUN_SLACK = Duration.ofSeconds(30);

  /** After a cancel on SIGTERM, how long the stop waits for the sweep before it goes on. */
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final Config config;
  private final Clock clock;
  private final String image;
  private final String identity;
  private final Sweeper sweeper;
  private final ChangeReprobes changes;
  private final ProberMetrics metrics;
  private final NamespaceEvents events;
  private final SweepScheduler scheduler;
  private final MetricsServer http;
  private final AtomicBoolean leading = new AtomicBoolean();
  private final AtomicBoolean healthy = new AtomicBoolean(true);
  private final Object sweepLock = new Object();
  private volatile boolean sweeping;
  private volatile boolean sweptWhileLeading;
  private volatile boolean stopping;
  private volatile LeaderCampaign campaign;
  private volatile Instant leadingSince;
  private volatile Instant lastCompleted;
  private volatile Instant sweepStarted = Instant.EPOCH;
  private volatile String unhealthy;
  private volatile java.util.function.BiConsumer<Instant, Instant> sweepHook = (a, b) -> {};
  private volatile Instant apiCheckedAt = Instant.EPOCH;
  private volatile String apiProblem;
  private volatile SweepResult last;

  /**
   * @param port the metrics port (0 for any free one)
   * @param identity this replica's name in the Lease and in Events
   */
  public ProberService(
      KubernetesClient client,
      Config config,
      String image,
      String version,
      Sweeper.Timing timing,
      Clock clock,
      String identity,
      int port) {
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.image = image;
    this.identity = identity;
    checkElectionTimes(config);
    this.sweeper = new Sweeper(client, config, image, timing, clock);
    this.metrics = new ProberMetrics(version);
    this.events = new NamespaceEvents(client, clock, identity);
    this.changes =
        config.get(Keys.SERVE_REACT_TO_CHANGES)
            ? new ChangeReprobes(
                client,
                config,
                clock,
                sweeper,
                () -> leading.get() && !stopping,
                this::publish,
                metrics)
            : null;
    this.scheduler =
        new SweepScheduler(
            this::sweepOnce, config.get(Keys.SERVE_SCHEDULE), config.get(Keys.SERVE_INTERVAL));
    this.http =
        new MetricsServer(
            bindAddress(config, port), metrics::scrape, this::healthy, this::notReadyBecause);
    metrics.trackLeader(leading::get);
    metrics.trackInterval(scheduler.interval());
    if (config.get(Keys.SERVE_PACING)) {
      Duration room = config.get(Keys.PROBE_DEADLINE).plus(timing.resultGrace()).multipliedBy(2);
      Duration spread = scheduler.interval().minus(room);
      sweeper.pace(spread.isNegative() ? Duration.ZERO : spread);
    }
  }

  /** Serves the endpoints and starts leading (or standing for the Lease). */
  public void start() {
    AdmissionParams.check(client, config, image);
    http.start();
    logger.info("serving /metrics, /healthz, /readyz on port {}", http.port());
    if (changes != null) {
      changes.start();
    }
    if (!config.get(Keys.LEADER_ELECTION_ENABLED)) {
      startLeading();
      return;
    }
    campaign = new LeaderCampaign(client, config, identity, this::startLeading, this::stopLeading);
    campaign.start();
  }

  /** The metrics port. */
  public int port() {
    return http.port();
  }

  /** Whether this replica sweeps now. */
  public boolean leading() {
    return leading.get();
  }

  public ProberMetrics metrics() {
    return metrics;
  }

  /** The last sweep this replica finished while leading, or null. */
  public SweepResult lastResult() {
    return last;
  }

  private void startLeading() {
    if (stopping) {
      return;
    }
    logger.info("{} leads: sweeping {}", identity, scheduler.describe());
    leadingSince = clock.instant();
    leading.set(true);
    sweptWhileLeading = false;
    scheduler.start();
  }

  private void stopLeading() {
    if (!leading.getAndSet(false)) {
      return;
    }
    logger.info("{} stopped leading: sweeps paused, per-namespace series dropped", identity);
    leadingSince = null;
    scheduler.pause();
    sweeper.cancel();
    if (changes != null) {
      changes.clear();
    }
    metrics.forgetNamespaces();
  }

  /** One scheduled sweep; never throws (the scheduler thread must live). */
  void sweepOnce() {
    if (!leading.get() || stopping) {
      return;
    }
    Instant t0 = clock.instant();
    synchronized (sweepLock) {
      sweepStarted = t0;
      sweeping = true;
    }
    try {
      SweepResult result = sweeper.sweep(null, this::publish);
      if (!leading.get()) {
        return; // lost the Lease meanwhile: the new leader reports
      }
      if (sweeper.lastPools() != null) {
        metrics.unschedulablePools(sweeper.lastPools().unschedulable());
      }
      metrics.finish(result);
      last = result;
      if (result.fatal() != null) {
        // nothing was probed (no target namespace, no permission): not a completed sweep
        logger.error("sweep failed: {}", result.fatal());
        return;
      }
      if (config.get(Keys.EVENTS_ENABLED)) {
        java.util.Set<String> covered = new java.util.HashSet<>();
        result.namespaces().forEach(n -> covered.add(n.namespace()));
        events.retain(covered);
      }
      if (config.get(Keys.REPORTS_ENABLED)) {
        new ReportWriter(client, config.get(Keys.CLUSTER_NAME)).deleteUntargeted(result);
      }
      sweptWhileLeading = true;
      lastCompleted = clock.instant();
      result = null;
      // A sweep leaves its garbage (1000 namespaces: tens of MiB) for a heap that then idles
      // until the next one. One full collection now lets the serial collector give that memory
      // back (jvm/serve.options: MaxHeapFreeRatio), which is most of the idle RSS; it costs a
      // few milliseconds per sweep.
      System.gc();
    } catch (SweepException e) {
      logger.error("sweep failed: {}", e.getMessage());
      metrics.sweepFailed(Duration.between(t0, clock.instant()));
    } catch (RuntimeException e) {
      logger.error("sweep crashed; /healthz now fails", e);
      healthy.set(false);
      metrics.sweepFailed(Duration.between(t0, clock.instant()));
    } finally {
      synchronized (sweepLock) {
        sweeping = false;
        sweepLock.notifyAll();
      }
      sweepHook.accept(t0, clock.instant());
    }
  }

  /**
   * One namespace's new result, from a scheduled sweep or a re-probe, as soon as it is known:
   * metrics, its Event, its report. Ignored once this replica no longer leads, and while it stops:
   * a probe its own shutdown cancelled is no news for the namespace (no ProbeFailed Event).
   */
  private void publish(String sweepId, NamespaceResult r) {
    if (!leading.get() || stopping) {
      return;
    }
    metrics.publish(r, clock.millis() / 1000.0);
    if (config.get(Keys.EVENTS_ENABLED)) {
      events.publish(sweepId, r);
    }
    if (config.get(Keys.REPORTS_ENABLED)) {
      new ReportWriter(client, config.get(Keys.CLUSTER_NAME)).writeOne(sweepId, r);
    }
  }

  /** For tests: told the start and end of every sweep this replica runs, kept or not. */
  void onSweep(java.util.function.BiConsumer<Instant, Instant> hook) {
    sweepHook = hook;
  }

  private boolean healthy() {
    String problem = unhealthyBecause();
    if (!java.util.Objects.equals(problem, unhealthy)) {
      if (problem != null) {
        logger.error("/healthz now fails: {}", problem);
      } else {
        logger.info("/healthz passes again");
      }
      unhealthy = problem;
    }
    return problem == null;
  }

  /**
   * Null when healthy. Not healthy: a sweep crashed, the scheduler died, the running sweep overran
   * its deadline (it should have ended by then), or this replica leads and has completed no sweep
   * for 3 intervals.
   */
  String unhealthyBecause() {
    if (!healthy.get()) {
      return "a sweep crashed";
    }
    if (!scheduler.alive()) {
      return "the sweep scheduler is shut down";
    }
    Instant now = clock.instant();
    if (sweeping) {
      Instant deadline = sweeper.currentDeadline();
      Instant bound =
          deadline != null
              ? deadline.plus(OVERRUN_SLACK)
              : sweepStarted.plus(
                  config
                      .get(Keys.API_REQUEST_TIMEOUT)
                      .multipliedBy(4L * (config.get(Keys.API_RETRIES) + 1)));
      if (now.isAfter(bound)) {
        return "the running sweep, started " + sweepStarted + ", overran its deadline " + bound;
      }
    }
    Instant since = lastCompleted;
    Instant led = leadingSince;
    if (since == null || led != null && led.isAfter(since)) {
      since = led;
    }
    Duration quiet = scheduler.interval().multipliedBy(3);
    if (leading.get() && since != null && Duration.between(since, now).compareTo(quiet) > 0) {
      return "leading, and no sweep has completed since " + since + " (3 intervals: " + quiet + ")";
    }
    return null;
  }

  /** Null when ready: the API server answers and, on the leader, a sweep has completed. */
  private String notReadyBecause() {
    Instant now = clock.instant();
    if (Duration.between(apiCheckedAt, now).compareTo(READY_CACHE) > 0) {
      try {
        client.getKubernetesVersion();
        apiProblem = null;
      } catch (KubernetesClientException e) {
        apiProblem =
            ApiErrors.describe("read its version", String.valueOf(client.getMasterUrl()), e);
      }
      apiCheckedAt = now;
    }
    if (apiProblem != null) {
      return apiProblem;
    }
    if (leading.get() && !sweptWhileLeading) {
      return "leading, no sweep completed yet";
    }
    return null;
  }

  /**
   * SIGTERM: stops scheduling, lets a running sweep finish within {@code grace} and cancels it
   * after that (its Jobs are deleted), gives up the Lease, closes the endpoints.
   */
  public void stop(Duration grace) {
    stopping = true;
    scheduler.pause();
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (sweepLock) {
      while (sweeping && System.nanoTime() < deadline) {
        try {
          sweepLock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (sweeping) {
        logger.info("the running sweep did not end within {}; cancelling it", grace);
        sweeper.cancel();
        long cancelDeadline = System.nanoTime() + CANCEL_WAIT.toNanos();
        while (sweeping && System.nanoTime() < cancelDeadline) {
          try {
            sweepLock.wait(
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(cancelDeadline - System.nanoTime())));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        if (sweeping) {
          logger.warn(
              "the sweep did not end within {} of its cancel; stopping anyway (its Jobs are"
                  + " orphans the next start deletes)",
              CANCEL_WAIT);
        }
      }
    }
    LeaderCampaign c = campaign;
    if (c != null) {
      c.stop(); // releases the Lease
    }
    leading.set(false);
    close();
  }

  @Override
  public void close() {
    LeaderCampaign c = campaign;
    if (c != null) {
      c.close();
    }
    scheduler.close();
    if (changes != null) {
      changes.close();
    }
    sweeper.close();
    http.close();
  }

  /** {@code serve.bindAddress} and the port; every address when the key is empty. */
  private static InetSocketAddress bindAddress(Config config, int port) {
    String bind = config.get(Keys.SERVE_BIND_ADDRESS);
    return bind.isEmpty()
        ? new InetSocketAddress(port)
        : new InetSocketAddress(io.imdsprober.util.IpLiteral.address(bind), port);
  }

  private static void checkElectionTimes(Config c) {
    Duration lease = c.get(Keys.LEADER_ELECTION_LEASE_DURATION);
    Duration renew = c.get(Keys.LEADER_ELECTION_RENEW_DEADLINE);
    Duration retry = c.get(Keys.LEADER_ELECTION_RETRY_PERIOD);
    if (lease.compareTo(renew) <= 0 || renew.compareTo(retry) <= 0) {
      throw new ConfigException(
          "leaderElection.leaseDuration ("
              + lease
              + ") must be longer than leaderElection.renewDeadline ("
              + renew
              + "), and that longer than leaderElection.retryPeriod ("
              + retry
              + ")");
    }
  }
}
