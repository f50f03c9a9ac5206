package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import io.imdsprober.pools.NodePools;
import io.imdsprober.util.Durations;
import io.imdsprober.util.Threads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sweeps: one probe Job per target namespace ({@link SweepRun}), each result read only from
 * the pod the sweep's own Job created, each Job deleted once read. API calls per namespace: create,
 * delete, and one more only when something needs a look (the Job's events when no pod appears, the
 * log tail when the message is empty, the pod when the probe deadline passes). All API calls sit in
 * {@link ProbeApi}.
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

  private final ProbeApi api;
  private final SweepInputs inputs;
  private final SweepInputs.Remembered remembered;

  /** The one probe-pod watch, shared by sweepers that share; stopped by whoever closes first. */
  private final ProbePods pods;

  private final Config config;
  private final String image;
  private final Timing timing;
  private final Clock clock;
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;

  /** The runs in progress: a re-probe sweeper runs several batches at once. */
  private final Set<SweepRun> running = ConcurrentHashMap.newKeySet();

  /** Probe Jobs in flight, bounded by {@code probe.maxInFlight}: shared by sweepers that share. */
  private final Semaphore slots;

  /** Namespaces with a probe in flight: never two probes of one namespace at once. */
  private final Set<String> busy;

  private volatile Duration spread = Duration.ZERO;

  /** Full sweeps so far: which namespaces take their turn to be pinned to a node pool. */
  private final java.util.concurrent.atomic.AtomicLong rounds =
      new java.util.concurrent.atomic.AtomicLong();

  private volatile NodePools lastPools;

  /** Set by {@link #cancel()}: a sweep cancelled before its run began creates no Job. */
  private final Set<AtomicBoolean> cancelTokens = ConcurrentHashMap.newKeySet();

  public Sweeper(KubernetesClient client, Config config, String image, Timing timing, Clock clock) {
    this(
        client,
        config,
        image,
        timing,
        clock,
        new Semaphore(config.get(Keys.PROBE_MAX_IN_FLIGHT)),
        ConcurrentHashMap.newKeySet(),
        new SweepInputs.Remembered(),
        new ProbePods(client, podWatchStart(config)));
  }

  /** How long the probe-pod watch may take to start: the API client's whole retry budget. */
  private static Duration podWatchStart(Config config) {
    return config.get(Keys.API_REQUEST_TIMEOUT).multipliedBy(config.get(Keys.API_RETRIES) + 1L);
  }

  /** A sweeper that shares {@code other}'s in-flight bound and busy namespaces. */
  public Sweeper(Sweeper other, KubernetesClient client) {
    this(
        client,
        other.config,
        other.image,
        other.timing,
        other.clock,
        other.slots,
        other.busy,
        other.remembered,
        other.pods);
  }

  private Sweeper(
      KubernetesClient client,
      Config config,
      String image,
      Timing timing,
      Clock clock,
      Semaphore slots,
      Set<String> busy,
      SweepInputs.Remembered remembered,
      ProbePods pods) {
    this.slots = slots;
    this.busy = busy;
    this.remembered = remembered;
    this.pods = pods;
    this.api = new ProbeApi(client, config, pods);
    this.inputs = new SweepInputs(api, config, remembered);
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
    java.util.concurrent.ScheduledThreadPoolExecutor timer =
        new java.util.concurrent.ScheduledThreadPoolExecutor(1, Threads.daemon("imds-sweep-timer"));
    timer.setRemoveOnCancelPolicy(true); // a probe's cancelled timers let go of the probe at once
    this.timers = timer;
    this.workers = Executors.newFixedThreadPool(4, Threads.daemon("imds-sweep-worker"));
  }

  /**
   * One sweep over every target namespace, as a chain of steps: orphans, targets, cluster profile,
   * run, result. A namespace that fails is an error result; the sweep goes on, and it ends by its
   * deadline ({@code sweep.deadline}).
   *
   * @throws SweepException when nothing could be probed (the API server unreachable, a permission
   *     missing before any Job was made)
   */
  public SweepResult sweep() {
    return sweep(null, (id, r) -> {});
  }

  /**
   * One sweep, each namespace's result handed to {@code published} as soon as it is known (with its
   * prediction by policy), from the sweep's worker threads.
   *
   * @param only the namespaces to probe (a re-probe after a change: no orphan clean-up, and no
   *     error when none of them is a target any more), or null for every target
   */
  public SweepResult sweep(Set<String> only, BiConsumer<String, NamespaceResult> published) {
    Instant started = clock.instant();
    String id = SweepIds.next(started);
    AtomicBoolean cancelled = new AtomicBoolean();
    cancelTokens.add(cancelled);
    try {
      return sweep(only, published, id, started, cancelled);
    } finally {
      cancelTokens.remove(cancelled);
    }
  }

  private SweepResult sweep(
      Set<String> only,
      BiConsumer<String, NamespaceResult> published,
      String id,
      Instant started,
      AtomicBoolean cancelled) {
    if (only == null) {
      Orphans.delete(api, id, started, config.get(Keys.ORPHAN_MAX_AGE));
    }
    List<Namespace> namespaces = inputs.namespaces(only == null);
    List<Node> nodes = inputs.nodes(only == null);
    Cluster cluster = Cluster.of(nodes, config.get(Keys.METADATA_PROFILE));
    NodePools pools =
        NodePools.of(
            nodes, config.get(Keys.PROBE_NODE_SELECTOR), config.get(Keys.PROBE_TOLERATIONS));
    List<Target> targets = Targets.select(namespaces, config);
    if (only != null) {
      targets = targets.stream().filter(t -> only.contains(t.namespace())).toList();
      if (targets.isEmpty()) {
        return new SweepResult(
            id, started, Duration.between(started, clock.instant()).toMillis(), List.of(), null);
      }
    }
    if (targets.isEmpty() && !config.get(Keys.NAMESPACE_ALLOW_EMPTY)) {
      String fatal = Targets.noneSelected(namespaces.size(), config);
      logger.error("sweep {}: {}", id, fatal);
      return new SweepResult(
          id, started, Duration.between(started, clock.instant()).toMillis(), List.of(), fatal);
    }
    logger.info(
        "sweep {}: {} target namespace(s) of {} listed, profile {} ({})",
        id,
        targets.size(),
        namespaces.size(),
        cluster.profile().word(),
        cluster.profileSource());
    Map<String, NodePools.Pool> placement =
        only == null
            ? pools.placement(
                targets.stream().filter(Target::probed).map(Target::namespace).sorted().toList(),
                rounds.getAndIncrement())
            : Map.of();
    if (only == null) {
      lastPools = pools;
      if (!pools.unschedulable().isEmpty()) {
        logger.warn(
            "sweep {}: node pool(s) {} have no node a probe pod can run on (cordoned, or taints"
                + " probe.tolerations does not tolerate, or not matching probe.nodeSelector):"
                + " not probed",
            id,
            pools.unschedulable());
      }
    }
    SweepRun run =
        new SweepRun(
            id,
            cluster,
            new ProbeJobs(config, image, cluster),
            api,
            config,
            timing,
            clock,
            timers,
            workers,
            slots,
            busy,
            only == null ? spread : Duration.ZERO,
            placement);
    running.add(run);
    if (cancelled.get()) {
      run.cancel(); // cancelled while listing: every probe ends at once, no Job is made
    }
    // the policies as they are when the probes start; without them, no prediction (warned)
    ClusterPolicies.Listing policies =
        policies(id, only == null ? null : new java.util.TreeSet<>(byNamespace(targets)));
    Map<String, Target> byName = new HashMap<>();
    targets.forEach(t -> byName.put(t.namespace(), t));
    List<String> exposureTargets = cluster.exposureTargets(config);
    UnaryOperator<NamespaceResult> pooled = r -> r.withPool(poolOf(r, pools, placement));
    UnaryOperator<NamespaceResult> predicted =
        policies == null
            ? pooled
            : r ->
                pooled.apply(
                    PolicyPredictions.apply(
                            List.of(r), byName, policies, config, exposureTargets, id)
                        .get(0));
    Map<String, NamespaceResult> done = new java.util.concurrent.ConcurrentHashMap<>();
    try {
      List<NamespaceResult> results =
          run.execute(
              targets,
              r -> {
                try {
                  NamespaceResult p = predicted.apply(r);
                  done.put(r.namespace(), p);
                  published.accept(id, p);
                } catch (RuntimeException e) {
                  logger.error("{}: cannot publish its result", r.namespace(), e);
                }
              });
      // each result was predicted once, as it was published: not again for the whole sweep
      results =
          results.stream()
              .map(r -> done.computeIfAbsent(r.namespace(), k -> predicted.apply(r)))
              .toList();
      return result(id, started, run, results);
    } finally {
      running.remove(run);
    }
  }

  /**
   * The pool a probe ran in (from its node), or without facts the pool it was pinned to: a pinned
   * probe that never ran says something about its pool.
   */
  private static String poolOf(
      NamespaceResult r, NodePools pools, Map<String, NodePools.Pool> placement) {
    if (r.facts() != null && r.facts().node() != null) {
      String p = pools.byNode().get(r.facts().node());
      if (p != null) {
        return p;
      }
    }
    NodePools.Pool pinned = placement.get(r.namespace());
    return pinned == null ? null : pinned.name();
  }

  /** The node pools of the last full sweep (null before one), for the pool metrics. */
  public NodePools lastPools() {
    return lastPools;
  }

  /** The cluster's workloads and NetworkPolicies, or null (logged) when they cannot be listed. */
  private static List<String> byNamespace(List<Target> targets) {
    return targets.stream().map(Target::namespace).toList();
  }

  private ClusterPolicies.Listing policies(String id, Set<String> namespaces) {
    try {
      return inputs.policies(namespaces);
    } catch (SweepException e) {
      logger.warn(
          "sweep {}: no prediction by policy this sweep (verdicts come from the probes alone): {}",
          id,
          e.getMessage());
      return null;
    }
  }

  private SweepResult result(
      String id, Instant started, SweepRun run, List<NamespaceResult> results) {
    long ms = Duration.between(started, clock.instant()).toMillis();
    String fatal =
        run.rbacDenied.get() > 0 && run.rbacDenied.get() == run.probed
            ? "forbidden: the prober may not create jobs in any target namespace ("
                + run.rbacDetail
                + ")"
            : null;
    if (fatal == null && !run.rbacDeniedNamespaces.isEmpty()) {
      logger.warn(
          "sweep {}: the prober may not create probe Jobs in {} namespace(s): {}; bind it there"
              + " (manifests/components/namespaced-rbac) or leave them out (namespaces.include,"
              + " namespaces.exclude)",
          id,
          run.rbacDeniedNamespaces.size(),
          String.join(", ", new java.util.TreeSet<>(run.rbacDeniedNamespaces)));
    }
    SweepResult result = new SweepResult(id, started, ms, results, fatal);
    logger.info("sweep {} done in {} ms: {}", id, ms, summary(result));
    return result;
  }

  /**
   * Spreads the probe starts of each full sweep evenly over {@code spread} (serve: the interval
   * less room for the last probes to end), instead of one burst; re-probes are never paced.
   */
  public void pace(Duration spread) {
    this.spread = spread;
  }

  /**
   * Lets re-probes take namespaces and NetworkPolicies from a watch that holds them (the one that
   * saw the change) instead of listing them again.
   */
  public void useWatched(WatchedObjects watched) {
    inputs.watch(watched);
  }

  /** Whether a probe of {@code namespace} is in flight (in this sweeper or one that shares). */
  public boolean busy(String namespace) {
    return busy.contains(namespace);
  }

  /**
   * When the first of the running sweeps gives up on its open probes; null when none runs or before
   * it knows.
   */
  public Instant currentDeadline() {
    return running.stream()
        .map(SweepRun::deadline)
        .filter(java.util.Objects::nonNull)
        .min(Instant::compareTo)
        .orElse(null);
  }

  /** Ends every running sweep now: their probes become errors and their Jobs are deleted. */
  public void cancel() {
    cancelTokens.forEach(t -> t.set(true));
    running.forEach(SweepRun::cancel);
  }

  @Override
  public void close() {
    timers.shutdownNow();
    workers.shutdownNow();
    pods.close();
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
}
