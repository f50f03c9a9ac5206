package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.Facts;
import io.imdsprober.facts.MalformedFactsException;
import io.imdsprober.util.Durations;
import io.imdsprober.verdict.Judge;
import io.imdsprober.verdict.Judgement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sweeps: one probe Job per target namespace, at most {@code probe.maxInFlight} at once, one
 * label-selected pod informer per sweep, each result read from the pod's termination message, each
 * Job deleted once read. API calls per namespace: create, delete, and one more only when something
 * needs a look (the Job's events when no pod appears, the log tail when the message is empty).
 */
public final class Sweeper implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(Sweeper.class);

  /**
   * When the sweep looks again at a probe.
   *
   * @param noPodCheck no pod by then: read the Job's events once for a FailedCreate
   * @param resultGrace how long after the Job's deadline the prober still waits for its pod
   */
  public record Timing(Duration noPodCheck, Duration resultGrace) {
    public static final Timing DEFAULT = new Timing(Duration.ofSeconds(10), Duration.ofSeconds(10));
  }

  private final KubernetesClient client;
  private final Config config;
  private final String image;
  private final Timing timing;
  private final Clock clock;
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private volatile Run current;

  public Sweeper(KubernetesClient client, Config config, String image, Timing timing, Clock clock) {
    this.client = client;
    this.config = config;
    this.image = image;
    this.timing = timing;
    this.clock = clock;
    Duration wait = config.get(Keys.PROBE_DEADLINE).plus(timing.resultGrace());
    if (config.get(Keys.ORPHAN_MAX_AGE).compareTo(wait) <= 0) {
      throw new ConfigException(
          Keys.ORPHAN_MAX_AGE.name()
              + ": "
              + Durations.format(config.get(Keys.ORPHAN_MAX_AGE))
              + " must be longer than probe.deadline plus "
              + Durations.format(timing.resultGrace())
              + " ("
              + Durations.format(wait)
              + "), or running probes would be deleted as orphans");
    }
    this.timers = Executors.newSingleThreadScheduledExecutor(daemon("imds-sweep-timer"));
    this.workers = Executors.newFixedThreadPool(4, daemon("imds-sweep-worker"));
  }

  /**
   * One sweep over every target namespace. A namespace that fails is an error result; the sweep
   * goes on.
   *
   * @throws SweepException when nothing could be probed (the API server unreachable, a permission
   *     missing before any Job was made)
   */
  public SweepResult sweep() {
    Instant started = clock.instant();
    String id = SweepIds.next(started);
    String server = String.valueOf(client.getMasterUrl());
    deleteOrphans(id, started, server);
    List<Namespace> namespaces =
        call(
            "list namespaces",
            server,
            () -> {
              String selector = config.get(Keys.NAMESPACE_SELECTOR);
              var op = client.namespaces();
              return (selector.isEmpty() ? op.list() : op.withLabelSelector(selector).list())
                  .getItems();
            });
    List<Node> nodes = call("list nodes", server, () -> client.nodes().list().getItems());
    Cluster cluster = Cluster.of(nodes, config.get(Keys.METADATA_PROFILE));
    List<Target> targets = Targets.select(namespaces, config);
    logger.info(
        "sweep {}: {} target namespace(s) of {} listed, profile {} ({})",
        id,
        targets.size(),
        namespaces.size(),
        cluster.profile().word(),
        cluster.profileSource());
    Run run = new Run(id, cluster, new ProbeJobs(config, image, cluster), server);
    current = run;
    try {
      List<NamespaceResult> results = run.execute(targets);
      long ms = Duration.between(started, clock.instant()).toMillis();
      String fatal =
          run.rbacDenied.get() > 0 && run.rbacDenied.get() == run.probed
              ? "forbidden: the prober may not create jobs in any target namespace ("
                  + run.rbacDetail
                  + ")"
              : null;
      SweepResult result = new SweepResult(id, started, ms, results, fatal);
      logger.info("sweep {} done in {} ms: {}", id, ms, summary(result));
      return result;
    } finally {
      current = null;
    }
  }

  /** Ends the running sweep now: its probes become errors and their Jobs are deleted. */
  public void cancel() {
    Run run = current;
    if (run != null) {
      run.cancel();
    }
  }

  @Override
  public void close() {
    timers.shutdownNow();
    workers.shutdownNow();
  }

  private void deleteOrphans(String id, Instant now, String server) {
    List<Job> jobs =
        call(
            "list jobs in all namespaces",
            server,
            () ->
                client
                    .batch()
                    .v1()
                    .jobs()
                    .inAnyNamespace()
                    .withLabel(ProbeJobs.MANAGED_BY_LABEL, ProbeJobs.MANAGED_BY)
                    .list()
                    .getItems());
    Duration maxAge = config.get(Keys.ORPHAN_MAX_AGE);
    for (Job job : jobs) {
      var meta = job.getMetadata();
      Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
      if (id.equals(labels.get(ProbeJobs.SWEEP_LABEL)) || meta.getCreationTimestamp() == null) {
        continue;
      }
      Instant created;
      try {
        created = Instant.parse(meta.getCreationTimestamp());
      } catch (java.time.format.DateTimeParseException e) {
        logger.warn(
            "probe Job {}/{} has an unreadable creationTimestamp {}; left alone",
            meta.getNamespace(),
            meta.getName(),
            meta.getCreationTimestamp());
        continue;
      }
      if (Duration.between(created, now).compareTo(maxAge) > 0) {
        logger.info(
            "deleting orphan probe Job {}/{} (created {})",
            meta.getNamespace(),
            meta.getName(),
            meta.getCreationTimestamp());
        deleteJob(meta.getNamespace(), meta.getName());
      }
    }
  }

  private void deleteJob(String namespace, String name) {
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .withName(name)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
    } catch (KubernetesClientException e) {
      logger.warn(
          "could not delete probe Job {}/{}; the next sweep deletes it as an orphan: {}",
          namespace,
          name,
          ApiErrors.message(e));
    }
  }

  private interface ApiCall<T> {
    T call();
  }

  private static <T> T call(String action, String server, ApiCall<T> call) {
    try {
      return call.call();
    } catch (KubernetesClientException e) {
      throw new SweepException(ApiErrors.describe(action, server, e), e);
    }
  }

  private static String summary(SweepResult result) {
    StringBuilder sb = new StringBuilder();
    result
        .counts()
        .forEach(
            (v, n) ->
                sb.append(sb.length() == 0 ? "" : " ").append(v.word()).append('=').append(n));
    return sb.toString();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** One probe in flight. */
  private static final class Probe {
    final Target target;
    final CompletableFuture<NamespaceResult> result = new CompletableFuture<>();
    final AtomicBoolean claimed = new AtomicBoolean();
    volatile PodState last;
    volatile String podName;
    volatile Failure eventsFailure;
    volatile ScheduledFuture<?> noPodCheck;
    volatile ScheduledFuture<?> deadline;

    Probe(Target target) {
      this.target = target;
    }

    String namespace() {
      return target.namespace();
    }
  }

  /** The state of one sweep. */
  private final class Run implements ResourceEventHandler<Pod> {
    final String id;
    final Cluster cluster;
    final ProbeJobs jobs;
    final String server;
    final String jobName;
    final Map<String, Probe> inFlight = new ConcurrentHashMap<>();
    final Semaphore slots = new Semaphore(config.get(Keys.PROBE_MAX_IN_FLIGHT));
    final AtomicInteger rbacDenied = new AtomicInteger();
    volatile String rbacDetail;
    volatile boolean cancelled;
    int probed;

    Run(String id, Cluster cluster, ProbeJobs jobs, String server) {
      this.id = id;
      this.cluster = cluster;
      this.jobs = jobs;
      this.server = server;
      this.jobName = ProbeJobs.jobName(id);
    }

    List<NamespaceResult> execute(List<Target> targets) {
      List<CompletableFuture<NamespaceResult>> futures = new ArrayList<>();
      SharedIndexInformer<Pod> informer = null;
      try {
        for (Target t : targets) {
          if (t.skip()) {
            futures.add(
                CompletableFuture.completedFuture(
                    new NamespaceResult(t.namespace(), Judgement.skipped(), null, "")));
          } else if (t.invalid() != null) {
            futures.add(
                CompletableFuture.completedFuture(
                    NamespaceResult.failed(
                        t.namespace(), new Failure(Failure.INVALID, t.invalid()))));
          }
        }
        List<Target> due = targets.stream().filter(Target::probed).toList();
        probed = due.size();
        if (!due.isEmpty()) {
          informer = startInformer();
        }
        for (Target t : due) {
          futures.add(launch(t));
        }
        List<NamespaceResult> results = new ArrayList<>();
        for (CompletableFuture<NamespaceResult> f : futures) {
          results.add(f.join());
        }
        results.sort(java.util.Comparator.comparing(NamespaceResult::namespace));
        return results;
      } finally {
        if (informer != null) {
          informer.stop();
        }
      }
    }

    private SharedIndexInformer<Pod> startInformer() {
      SharedIndexInformer<Pod> informer =
          client.pods().inAnyNamespace().withLabel(ProbeJobs.SWEEP_LABEL, id).runnableInformer(0);
      informer.addEventHandler(this);
      try {
        informer
            .start()
            .toCompletableFuture()
            .get(
                config.get(Keys.API_REQUEST_TIMEOUT).toMillis()
                    * (config.get(Keys.API_RETRIES) + 1),
                TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        informer.stop();
        Throwable cause = e.getCause();
        throw cause instanceof KubernetesClientException k
            ? new SweepException(ApiErrors.describe("watch pods in all namespaces", server, k), k)
            : new SweepException("cannot watch probe pods: " + cause, cause);
      } catch (TimeoutException e) {
        informer.stop();
        throw new SweepException("cannot watch probe pods: no answer from " + server, e);
      } catch (InterruptedException e) {
        informer.stop();
        Thread.currentThread().interrupt();
        throw new SweepException("interrupted while starting the pod watch", e);
      }
      return informer;
    }

    private CompletableFuture<NamespaceResult> launch(Target target) {
      Probe probe = new Probe(target);
      if (!acquire()) {
        probe.result.complete(cancelled(target));
        return probe.result;
      }
      if (cancelled) {
        slots.release();
        probe.result.complete(cancelled(target));
        return probe.result;
      }
      probe.result.whenComplete(
          (r, e) -> {
            inFlight.remove(target.namespace(), probe);
            slots.release();
          });
      inFlight.put(target.namespace(), probe);
      try {
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(target.namespace())
            .resource(jobs.job(target, id))
            .create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          if (ApiErrors.forbiddenByRbac(e)) {
            rbacDenied.incrementAndGet();
            rbacDetail = ApiErrors.message(e);
          }
          String detail =
              ApiErrors.describe(
                  "create the probe Job in namespace " + target.namespace(), server, e);
          logger.warn("{}: {}", target.namespace(), detail);
          probe.claimed.set(true);
          probe.result.complete(
              NamespaceResult.failed(
                  target.namespace(), new Failure(ApiErrors.createReason(e), detail)));
          return probe.result;
        }
        // 409: a retried create that had gone through; the Job is this sweep's
      } catch (RuntimeException e) {
        logger.warn("{}: cannot create the probe Job", target.namespace(), e);
        probe.claimed.set(true);
        probe.result.complete(
            NamespaceResult.failed(
                target.namespace(),
                new Failure(Failure.API_ERROR, "cannot create the probe Job: " + e)));
        return probe.result;
      }
      long deadlineMs = config.get(Keys.PROBE_DEADLINE).plus(timing.resultGrace()).toMillis();
      probe.noPodCheck =
          timers.schedule(
              () -> workers.execute(() -> checkNoPod(probe)),
              timing.noPodCheck().toMillis(),
              TimeUnit.MILLISECONDS);
      probe.deadline =
          timers.schedule(
              () -> workers.execute(() -> deadlinePassed(probe)),
              deadlineMs,
              TimeUnit.MILLISECONDS);
      return probe.result;
    }

    private NamespaceResult cancelled(Target target) {
      return NamespaceResult.failed(
          target.namespace(), new Failure(Failure.TIMEOUT, "sweep cancelled"));
    }

    private boolean acquire() {
      try {
        slots.acquire();
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancelled = true;
        return false;
      }
    }

    @Override
    public void onAdd(Pod pod) {
      observe(pod);
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      observe(newPod);
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
      // a deleted pod says nothing new; the deadline decides if no result came
    }

    private void observe(Pod pod) {
      Probe probe = inFlight.get(pod.getMetadata().getNamespace());
      if (probe == null || probe.claimed.get()) {
        return;
      }
      PodState state = PodState.of(pod);
      probe.podName = pod.getMetadata().getName();
      probe.last = state;
      if (state.over()) {
        workers.execute(() -> finish(probe, state));
      }
    }

    private void finish(Probe probe, PodState state) {
      if (!probe.claimed.compareAndSet(false, true)) {
        return;
      }
      NamespaceResult result;
      if (state.failure() != null) {
        result = NamespaceResult.failed(probe.namespace(), state.failure());
      } else {
        result = read(probe, state);
      }
      end(probe, result);
    }

    private NamespaceResult read(Probe probe, PodState state) {
      String text = state.message();
      String source = "termination message";
      if (text == null || text.isBlank()) {
        source = "log tail";
        try {
          text =
              client
                  .pods()
                  .inNamespace(probe.namespace())
                  .withName(probe.podName)
                  .tailingLines(20)
                  .getLog();
        } catch (KubernetesClientException e) {
          return NamespaceResult.failed(
              probe.namespace(),
              new Failure(
                  Failure.MALFORMED_RESULT,
                  "empty termination message, and the log tail could not be read: "
                      + ApiErrors.message(e)));
        }
      }
      Facts facts;
      try {
        facts = Results.read(text);
      } catch (MalformedFactsException e) {
        String exit =
            state.exitCode() == null || state.exitCode() == 0
                ? ""
                : " (agent exit code " + state.exitCode() + ")";
        return NamespaceResult.failed(
            probe.namespace(),
            new Failure(Failure.MALFORMED_RESULT, e.getMessage() + " (" + source + ")" + exit));
      }
      Judge judge = new Judge(cluster.allowedTargets(config, facts.node()));
      Judgement j = judge.judge(facts, probe.target.expectations());
      return new NamespaceResult(probe.namespace(), j, facts, "");
    }

    private void checkNoPod(Probe probe) {
      if (probe.claimed.get() || probe.last != null) {
        return;
      }
      List<Event> events;
      try {
        events =
            client
                .v1()
                .events()
                .inNamespace(probe.namespace())
                .withField("involvedObject.name", jobName)
                .list()
                .getItems();
      } catch (KubernetesClientException e) {
        logger.debug(
            "{}: could not read the probe Job's events: {}",
            probe.namespace(),
            ApiErrors.message(e));
        return;
      }
      Failure f = Failures.fromJobEvents(events, jobName);
      logger.debug(
          "{}: {} event(s) about the probe Job, failure {}", probe.namespace(), events.size(), f);
      if (f != null && probe.last == null && probe.claimed.compareAndSet(false, true)) {
        end(probe, NamespaceResult.failed(probe.namespace(), f));
      }
    }

    private void deadlinePassed(Probe probe) {
      if (!probe.claimed.compareAndSet(false, true)) {
        return;
      }
      PodState last = probe.last;
      String deadline = Durations.format(config.get(Keys.PROBE_DEADLINE));
      Failure f;
      if (last != null && last.hint() != null) {
        f = last.hint();
      } else if (last != null && last.started()) {
        f =
            new Failure(
                Failure.DEADLINE, "the probe did not finish within probe.deadline " + deadline);
      } else if (last != null) {
        f = new Failure(Failure.TIMEOUT, "the probe pod never started within " + deadline);
      } else {
        f =
            new Failure(
                Failure.TIMEOUT,
                "no probe pod appeared within "
                    + deadline
                    + " and the Job's events named no cause");
      }
      end(probe, NamespaceResult.failed(probe.namespace(), f));
    }

    private void end(Probe probe, NamespaceResult result) {
      cancelTimers(probe);
      deleteJob(probe.namespace(), jobName);
      if (result.judgement().verdict() == io.imdsprober.verdict.Verdict.ERROR) {
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

    private void cancelTimers(Probe probe) {
      if (probe.noPodCheck != null) {
        probe.noPodCheck.cancel(false);
      }
      if (probe.deadline != null) {
        probe.deadline.cancel(false);
      }
    }

    void cancel() {
      cancelled = true;
      for (Probe probe : inFlight.values()) {
        if (probe.claimed.compareAndSet(false, true)) {
          end(
              probe,
              NamespaceResult.failed(
                  probe.namespace(), new Failure(Failure.TIMEOUT, "sweep cancelled")));
        }
      }
    }
  }
}
