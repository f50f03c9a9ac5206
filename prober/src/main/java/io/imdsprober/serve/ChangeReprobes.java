package io.imdsprober.serve;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.changes.ChangeQueue;
import io.imdsprober.changes.ChangeWatcher;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.metrics.ProberMetrics;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepException;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.sweep.Sweeper;
import io.imdsprober.sweep.WatchedObjects;
import io.imdsprober.util.Threads;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-probes between scheduled sweeps (DESIGN.md "Scale and freshness"): the changes {@link
 * ChangeWatcher} sees go to a debounced {@link ChangeQueue}; every {@link #TICK} the namespaces due
 * run as one small sweep of their own, with a sweeper that shares the scheduled one's in-flight
 * bound and busy namespaces (never two probes of one namespace at once). Up to {@link #BATCHES}
 * batches run at once, so a change does not wait for the batch before it to end; when all run,
 * changes keep coalescing in the queue. Each result is published as it comes, and the time from the
 * change seen to it goes to {@code imds_prober_change_to_result_seconds}.
 */
final class ChangeReprobes implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ChangeReprobes.class);
  static final Duration TICK = Duration.ofMillis(100);

  /** After a re-probe the API server did not answer, how long before its namespaces are retried. */
  static final Duration RETRY_PAUSE = Duration.ofSeconds(2);

  /** How long serve waits at start for the change informers' first list. */
  static final Duration SYNC_WAIT = Duration.ofSeconds(5);

  /** How often a re-probe the API server does not answer is tried before its error is shown. */
  static final int ATTEMPTS = 3;

  /** Re-probes of a namespace the API server did not answer so far, by namespace. */
  private final Map<String, Integer> attempts = new java.util.concurrent.ConcurrentHashMap<>();

  /** Re-probe batches that may run at once. */
  static final int BATCHES = 4;

  private final java.util.concurrent.Semaphore batchSlots =
      new java.util.concurrent.Semaphore(BATCHES);
  private final java.util.concurrent.ExecutorService batches =
      Executors.newFixedThreadPool(BATCHES, Threads.daemon("imds-reprobe-batch"));

  private final Clock clock;
  private final Sweeper scheduled;
  private final Sweeper reprober;
  private final BooleanSupplier active;
  private final BiConsumer<String, NamespaceResult> publish;
  private final ProberMetrics metrics;
  private final ChangeQueue queue;
  private final ChangeWatcher watcher;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(Threads.daemon("imds-reprobe"));

  /**
   * @param active whether this replica sweeps now (leads, is not stopping)
   * @param publish told each re-probed namespace's result, with its sweep's id
   */
  ChangeReprobes(
      KubernetesClient client,
      Config config,
      Clock clock,
      Sweeper scheduled,
      BooleanSupplier active,
      BiConsumer<String, NamespaceResult> publish,
      ProberMetrics metrics) {
    this.clock = clock;
    this.scheduled = scheduled;
    this.reprober = new Sweeper(scheduled, client);
    this.active = active;
    this.publish = publish;
    this.metrics = metrics;
    Duration debounce = config.get(Keys.SERVE_CHANGE_DEBOUNCE);
    this.queue = new ChangeQueue(debounce, debounce.multipliedBy(5));
    this.watcher =
        new ChangeWatcher(
            client,
            clock,
            (ns, at) -> {
              if (active.getAsBoolean()) {
                queue.changed(ns, at);
              }
            },
            ns -> {
              if (active.getAsBoolean()) {
                metrics.forget(ns);
              }
            },
            io.imdsprober.policy.PolicyWeight.Caps.of(config));
  }

  void start() {
    watcher.start();
    reprober.useWatched(new WatchedObjects(watcher::namespaces, watcher::policies));
    try {
      // normally the informers have listed in milliseconds; a silent API server only delays
      // serve by this much (the informers keep trying, the first sweep covers what they miss)
      watcher.synced().get(SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      logger.warn(
          "NetworkPolicies and namespaces not listed yet: changes count once they are"
              + " (the API server is retried)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loop.scheduleWithFixedDelay(
        this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** This replica stopped leading: pending changes are the new leader's, the batch ends. */
  void clear() {
    queue.clear();
    reprober.cancel();
  }

  private void tick() {
    try {
      takeBatch();
    } catch (RuntimeException e) {
      logger.error("re-probe scheduling crashed", e); // the loop must live
    }
  }

  private void takeBatch() {
    if (!active.getAsBoolean()) {
      queue.clear();
      return;
    }
    if (!batchSlots.tryAcquire()) {
      return; // every batch slot runs: the changes coalesce in the queue meanwhile
    }
    Map<String, Instant> due = new LinkedHashMap<>();
    for (ChangeQueue.Due d : queue.take(clock.instant(), scheduled::busy)) {
      due.put(d.namespace(), d.firstSeen());
    }
    if (due.isEmpty()) {
      batchSlots.release();
      return;
    }
    try {
      batches.execute(() -> batch(due));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      batchSlots.release(); // closing
    }
  }

  private void batch(Map<String, Instant> due) {
    try {
      logger.info("re-probing {} namespace(s) after a change: {}", due.size(), due.keySet());
      Map<String, Instant> unanswered = new java.util.concurrent.ConcurrentHashMap<>();
      SweepResult done =
          reprober.sweep(
              due.keySet(),
              (id, r) -> {
                Instant first = due.get(r.namespace());
                if (first != null
                    && unanswered(r)
                    && attempts.merge(r.namespace(), 1, Integer::sum) < ATTEMPTS) {
                  unanswered.put(r.namespace(), first); // the API server's fault: try again
                  return;
                }
                attempts.remove(r.namespace());
                if (first != null) {
                  metrics.changeToResult(Duration.between(first, clock.instant()));
                }
                publish.accept(id, r);
              });
      if (!unanswered.isEmpty()) {
        retryLater(unanswered, "the API server did not answer for " + unanswered.keySet());
      }
      // a namespace the change took out of the selection (labels, namespaces.selector) has no
      // result: its series go now, not at the next full sweep
      Set<String> judged = new HashSet<>();
      done.namespaces().forEach(r -> judged.add(r.namespace()));
      for (String ns : due.keySet()) {
        if (!judged.contains(ns) && active.getAsBoolean()) {
          logger.info("{}: no longer a target namespace: its series are dropped", ns);
          metrics.forget(ns);
        }
      }
    } catch (SweepException e) {
      retryLater(due, e.getMessage());
    } catch (RuntimeException e) {
      logger.error("re-probe after a change crashed", e); // the loop must live
    } finally {
      batchSlots.release();
    }
  }

  /**
   * A re-probe's error that may say only that the API server did not answer (its Job create): the
   * namespace's last verdict stands and the change is retried ({@link #ATTEMPTS} in all), rather
   * than an {@code error} at once replacing, say, an {@code exposed} that is still true.
   */
  private static boolean unanswered(NamespaceResult r) {
    return r.judgement().verdict() == Verdict.ERROR
        && Failure.API_ERROR.equals(r.judgement().reason());
  }

  /**
   * The API server did not answer: the changes are kept (with when they were first seen) and
   * retried after a pause, not left for the next sweep.
   */
  private void retryLater(Map<String, Instant> changes, String why) {
    logger.warn("re-probe after a change failed, will retry: {}", why);
    try {
      Thread.sleep(RETRY_PAUSE.toMillis());
      changes.forEach(queue::changed);
    } catch (InterruptedException stop) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    watcher.close();
    loop.shutdownNow();
    batches.shutdownNow();
    reprober.cancel();
    reprober.close();
  }
}
