package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.pools.NodePools;
import io.imdsprober.util.Durations;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Judgement;
import io.imdsprober.verdict.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sweep's probes from launch to result: at most {@code probe.maxInFlight} Jobs at once, one
 * label-selected pod informer ({@link ProbeWatch}, which lets only the Job's own pod through), the
 * outcome of each probe ({@link ProbeOutcomes}), and two guarantees: every probe ends (any
 * exception while handling it makes it {@code internal}), and the sweep ends by its deadline (open
 * probes then become {@code timeout}).
 */
final class SweepRun implements ProbeWatch.Run {
  private static final Logger logger = LoggerFactory.getLogger(SweepRun.class);

  /** How long past the sweep deadline a probe's own clean-up may take before it is let go. */
  private static final Duration LET_GO = Duration.ofSeconds(5);

  /** How often a launch waiting for a namespace another probe holds looks again. */
  private static final Duration BUSY_POLL = Duration.ofMillis(100);

  /** How often a paced launch looks whether the sweep was cancelled. */
  private static final Duration PACE_POLL = Duration.ofMillis(200);

  private final String id;
  private final ProbeJobs jobs;
  private final ProbeApi api;
  private final Config config;
  private final Sweeper.Timing timing;
  private final Clock clock;
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final String jobName;
  private final Map<String, Probe> inFlight = new ConcurrentHashMap<>();
  private final ProbeWatch watch;
  private final ProbeOutcomes outcomes;
  private final Semaphore slots;
  private final java.util.Set<String> busy;

  /** Probe starts are spread evenly over this (zero: all at once, within the in-flight bound). */
  private Duration spread;

  /** The probes pinned to a node pool this sweep, by namespace. */
  private final Map<String, NodePools.Pool> placement;

  final AtomicInteger rbacDenied = new AtomicInteger();
  final java.util.Set<String> rbacDeniedNamespaces = ConcurrentHashMap.newKeySet();
  volatile String rbacDetail;
  private volatile boolean cancelled;
  private volatile Instant deadline;
  int probed;

  SweepRun(
      String id,
      Cluster cluster,
      ProbeJobs jobs,
      ProbeApi api,
      Config config,
      Sweeper.Timing timing,
      Clock clock,
      ScheduledExecutorService timers,
      ExecutorService workers,
      Semaphore slots,
      java.util.Set<String> busy,
      Duration spread,
      Map<String, NodePools.Pool> placement) {
    this.spread = spread;
    this.placement = placement;
    this.id = id;
    this.jobs = jobs;
    this.api = api;
    this.config = config;
    this.timing = timing;
    this.clock = clock;
    this.timers = timers;
    this.workers = workers;
    this.jobName = ProbeJobs.jobName(id);
    this.watch = new ProbeWatch(id, inFlight, this);
    this.outcomes = new ProbeOutcomes(api, config, cluster, id);
    this.slots = slots;
    this.busy = busy;
  }

  /** When the sweep gives up on its open probes, once it has begun; null before. */
  Instant deadline() {
    return deadline;
  }

  /** The sweep's bound for {@code probes} probes: configured, or derived from the probe's. */
  static Duration deadlineFor(Config config, Sweeper.Timing timing, int probes) {
    Duration configured = config.get(Keys.SWEEP_DEADLINE);
    if (!configured.isZero()) {
      return configured;
    }
    int waves =
        Math.max(
            1,
            (probes + config.get(Keys.PROBE_MAX_IN_FLIGHT) - 1)
                / config.get(Keys.PROBE_MAX_IN_FLIGHT));
    return config
        .get(Keys.PROBE_DEADLINE)
        .plus(timing.resultGrace())
        .multipliedBy(waves)
        .plus(Duration.ofMinutes(1));
  }

  /**
   * @param published told each namespace's result (with its expectations) as soon as it is known
   */
  List<NamespaceResult> execute(List<Target> targets, Consumer<NamespaceResult> published) {
    List<CompletableFuture<NamespaceResult>> futures = new ArrayList<>();
    // the probes not ended yet: an ended one lets go of its Job and pods (thousands per sweep)
    java.util.Set<Probe> open = ConcurrentHashMap.newKeySet();
    for (Target t : targets) {
      if (t.skip()) {
        futures.add(
            CompletableFuture.completedFuture(
                new NamespaceResult(t.namespace(), Judgement.skipped(), null, "")));
      } else if (t.invalid() != null) {
        futures.add(
            CompletableFuture.completedFuture(
                NamespaceResult.failed(t.namespace(), new Failure(Failure.INVALID, t.invalid()))));
      }
    }
    futures.forEach(f -> published.accept(f.join()));
    List<Target> due = targets.stream().filter(Target::probed).toList();
    probed = due.size();
    Duration bound;
    Duration configured = config.get(Keys.SWEEP_DEADLINE);
    if (configured.isZero()) {
      bound = deadlineFor(config, timing, due.size()).plus(spread);
    } else {
      // a configured bound is kept: the spread fits into it, with room for the last probe
      bound = configured;
      Duration room = configured.minus(config.get(Keys.PROBE_DEADLINE).plus(timing.resultGrace()));
      spread = room.isNegative() ? Duration.ZERO : (room.compareTo(spread) < 0 ? room : spread);
    }
    deadline = clock.instant().plus(bound);
    AutoCloseable watching = null;
    try {
      if (!due.isEmpty()) {
        watching = api.watchProbePods(id, watch);
      }
      Instant first = clock.instant();
      for (int i = 0; i < due.size(); i++) {
        Target t = due.get(i);
        if (!spread.isZero()) {
          paceUntil(first.plus(spread.multipliedBy(i).dividedBy(due.size())));
        }
        Probe p = new Probe(t, jobs.job(t, id, placement.get(t.namespace())));
        open.add(p);
        p.result.whenComplete((r, e) -> open.remove(p));
        futures.add(p.result);
        p.result.thenAccept(r -> published.accept(r.withExpectations(t.expectations())));
        launch(p);
      }
      awaitUntilDeadline(futures);
      expire(open.stream().filter(p -> !p.result.isDone()).toList(), bound);
      Map<String, Target> byName = new java.util.HashMap<>();
      targets.forEach(t -> byName.put(t.namespace(), t));
      List<NamespaceResult> results = new ArrayList<>();
      for (CompletableFuture<NamespaceResult> f : futures) {
        NamespaceResult r = f.join();
        Target t = byName.get(r.namespace());
        results.add(t == null ? r : r.withExpectations(t.expectations()));
      }
      results.sort(Comparator.comparing(NamespaceResult::namespace));
      return results;
    } finally {
      if (watching != null) {
        try {
          watching.close();
        } catch (Exception e) {
          logger.warn("sweep {}: cannot stop watching its pods: {}", id, e.toString());
        }
      }
    }
  }

  /** Waits for a probe's paced start (DESIGN.md: the interval is a promise per namespace). */
  private void paceUntil(Instant start) {
    try {
      while (!cancelled && clock.instant().isBefore(start)) {
        Thread.sleep(
            Math.min(
                PACE_POLL.toMillis(), Duration.between(clock.instant(), start).toMillis() + 1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel();
    }
  }

  private void awaitUntilDeadline(List<CompletableFuture<NamespaceResult>> futures) {
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
          .get(
              Math.max(0, Duration.between(clock.instant(), deadline).toMillis()),
              TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      logger.warn("sweep {}: the sweep deadline passed with probes still open", id);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel();
    } catch (ExecutionException e) {
      // a probe's future never completes exceptionally; if one did, join() below says so
      logger.error("sweep {}: a probe ended with an exception", id, e.getCause());
    }
  }

  /**
   * The sweep deadline passed: the open probes are timeouts, whatever their handlers are doing.
   * Their clean-up (deleting the Job) gets {@link #LET_GO} more; a Job it could not delete is an
   * orphan for the next sweep.
   */
  private void expire(List<Probe> open, Duration bound) {
    if (open.isEmpty()) {
      return;
    }
    Failure f =
        new Failure(
            Failure.TIMEOUT,
            "the sweep deadline ("
                + Durations.format(bound)
                + ", sweep.deadline) passed before the probe ended");
    for (Probe p : open) {
      if (p.claimed.compareAndSet(false, true)) {
        workers.execute(() -> guarded(p, () -> end(p, NamespaceResult.failed(p.namespace(), f))));
      }
    }
    try {
      CompletableFuture.allOf(open.stream().map(p -> p.result).toArray(CompletableFuture[]::new))
          .get(LET_GO.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      logger.warn("sweep {}: some probes' clean-up did not end within {}", id, LET_GO);
    }
    for (Probe p : open) {
      p.result.complete(NamespaceResult.failed(p.namespace(), f));
    }
  }

  private void launch(Probe probe) {
    Target target = probe.target;
    if (!acquire(target.namespace())) {
      probe.claimed.set(true);
      probe.result.complete(
          cancelled
              ? cancelled(target)
              : NamespaceResult.failed(
                  target.namespace(),
                  new Failure(
                      Failure.TIMEOUT,
                      "the sweep deadline passed before the probe could start ("
                          + config.get(Keys.PROBE_MAX_IN_FLIGHT)
                          + " probes in flight)")));
      return;
    }
    probe.result.whenComplete(
        (r, e) -> {
          inFlight.remove(target.namespace(), probe);
          busy.remove(target.namespace());
          slots.release();
        });
    inFlight.put(target.namespace(), probe);
    guarded(probe, () -> create(probe));
  }

  private void create(Probe probe) {
    Target target = probe.target;
    Job created;
    try {
      created = api.createJob(probe.built);
    } catch (KubernetesClientException e) {
      if (ApiErrors.forbiddenByRbac(e)) {
        rbacDenied.incrementAndGet();
        rbacDeniedNamespaces.add(target.namespace());
        rbacDetail = ApiErrors.message(e);
      }
      String detail =
          ApiErrors.describe(
              "create the probe Job in namespace " + target.namespace(), api.server(), e);
      logger.warn("{}: {}", target.namespace(), detail);
      if (probe.claimed.compareAndSet(false, true)) {
        probe.result.complete(
            NamespaceResult.failed(
                target.namespace(), new Failure(ApiErrors.createReason(e), detail)));
      }
      return;
    } catch (RuntimeException e) {
      logger.warn("{}: cannot create the probe Job", target.namespace(), e);
      if (probe.claimed.compareAndSet(false, true)) {
        probe.result.complete(
            NamespaceResult.failed(
                target.namespace(),
                new Failure(Failure.API_ERROR, "cannot create the probe Job: " + e)));
      }
      return;
    }
    long deadlineMs = config.get(Keys.PROBE_DEADLINE).plus(timing.resultGrace()).toMillis();
    probe.noPodCheck =
        timers.schedule(
            () -> workers.execute(() -> guarded(probe, () -> checkNoPod(probe))),
            timing.noPodCheck().toMillis(),
            TimeUnit.MILLISECONDS);
    probe.deadline =
        timers.schedule(
            () -> workers.execute(() -> guarded(probe, () -> deadlinePassed(probe))),
            deadlineMs,
            TimeUnit.MILLISECONDS);
    probe.jobDeadline = jobDeadline(created);
    probe.jobUid = created.getMetadata().getUid();
    if (probe.jobUid == null) {
      tamper(probe, "the API server returned the probe Job without a UID");
      return;
    }
    watch.jobCreated(probe);
  }

  /** The Job's creation as the API server stamped it (else now) plus its activeDeadlineSeconds. */
  private Instant jobDeadline(Job created) {
    Instant at = clock.instant();
    try {
      if (created.getMetadata().getCreationTimestamp() != null) {
        at = Instant.parse(created.getMetadata().getCreationTimestamp());
      }
    } catch (DateTimeParseException e) {
      logger.debug("{}: unreadable Job creationTimestamp", created.getMetadata().getNamespace());
    }
    Long seconds = created.getSpec() == null ? null : created.getSpec().getActiveDeadlineSeconds();
    return at.plusSeconds(seconds == null ? config.get(Keys.PROBE_DEADLINE).toSeconds() : seconds);
  }

  private NamespaceResult cancelled(Target target) {
    return NamespaceResult.failed(
        target.namespace(), new Failure(Failure.TIMEOUT, "sweep cancelled"));
  }

  /**
   * The namespace to itself (a probe of it in flight elsewhere, a re-probe, is waited for) and a
   * slot within the in-flight bound, both before the sweep deadline.
   */
  private boolean acquire(String namespace) {
    if (cancelled) {
      return false;
    }
    try {
      while (!busy.add(namespace)) {
        if (cancelled || !clock.instant().isBefore(deadline)) {
          return false;
        }
        Thread.sleep(BUSY_POLL.toMillis());
      }
      long left = Duration.between(clock.instant(), deadline).toMillis();
      if (left > 0 && slots.tryAcquire(left, TimeUnit.MILLISECONDS)) {
        if (!cancelled) {
          return true;
        }
        slots.release();
      }
      busy.remove(namespace);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      busy.remove(namespace);
      cancelled = true;
      return false;
    }
  }

  /** The trusted pod of a probe is over: its result is read on a worker. */
  @Override
  public void over(Probe probe, Pod pod, PodState state) {
    workers.execute(
        () ->
            guarded(
                probe,
                () -> {
                  if (probe.claimed.compareAndSet(false, true)) {
                    end(probe, outcomes.read(probe, pod, state));
                  }
                }));
  }

  @Override
  public void tamper(Probe probe, String detail) {
    if (probe.claimed.compareAndSet(false, true)) {
      workers.execute(
          () ->
              guarded(
                  probe,
                  () ->
                      end(
                          probe,
                          NamespaceResult.failed(
                              probe.namespace(), new Failure(Failure.TAMPERED, detail)))));
    }
  }

  private void checkNoPod(Probe probe) {
    if (probe.claimed.get() || probe.last != null || !probe.labelled.isEmpty()) {
      return;
    }
    Failure f = outcomes.noPod(probe);
    if (f != null && probe.last == null && probe.claimed.compareAndSet(false, true)) {
      end(probe, NamespaceResult.failed(probe.namespace(), f));
    }
  }

  private void deadlinePassed(Probe probe) {
    if (probe.claimed.get()) {
      return;
    }
    Failure f = outcomes.atDeadline(probe);
    if (probe.claimed.compareAndSet(false, true)) {
      end(probe, NamespaceResult.failed(probe.namespace(), f));
    }
  }

  /**
   * Runs a step of one probe; any exception makes the probe {@code internal} (with its stack trace
   * in the log) instead of leaving it open.
   */
  @Override
  public void guarded(Probe probe, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException | Error e) {
      logger.error("{}: internal error while handling the probe", probe.namespace(), e);
      probe.claimed.set(true);
      NamespaceResult internal =
          NamespaceResult.failed(
              probe.namespace(),
              new Failure(Failure.INTERNAL, "the prober failed while handling the probe: " + e));
      try {
        end(probe, internal);
      } catch (RuntimeException | Error again) {
        logger.error("{}: could not end the probe cleanly", probe.namespace(), again);
        probe.result.complete(internal);
      }
    }
  }

  private void end(Probe probe, NamespaceResult result) {
    probe.cancelTimers();
    api.deleteJob(probe.namespace(), jobName);
    if (result.judgement().verdict() == Verdict.ERROR) {
      logger.warn(
          "{}: error {}: {}", probe.namespace(), result.judgement().reason(), result.detail());
    } else {
      logger.debug(
          "{}: {} ({})",
          probe.namespace(),
          result.judgement().verdict().word(),
          result.judgement().reason());
    }
    probe.result.complete(result);
  }

  /** Ends the sweep now: its open probes become errors and their Jobs are deleted. */
  void cancel() {
    cancelled = true;
    for (Probe probe : inFlight.values()) {
      if (probe.claimed.compareAndSet(false, true)) {
        end(probe, cancelled(probe.target));
      }
    }
  }
}
