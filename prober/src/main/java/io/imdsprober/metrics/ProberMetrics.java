package io.imdsprober.metrics;

import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.verdict.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The metrics contract (DESIGN.md "Metrics contract") over Micrometer's Prometheus registry. Each
 * namespace's series follow its latest result, published as its probe finishes ({@link #publish});
 * a sweep's own series when it ends ({@link #finish}). A namespace that is gone loses its series, a
 * skipped one keeps only its opt-out, and one whose probe produced no facts keeps only its status
 * and the time facts last arrived. Per namespace only the values its series show are kept ({@link
 * NamespaceSeries}); the series are made from them at scrape time ({@link NamespaceFamilies}).
 */
public final class ProberMetrics {
  /** Sweep outcomes: every namespace judged, some not, none probed at all. */
  public static final String COMPLETE = "complete";

  public static final String PARTIAL = "partial";
  public static final String FAILED = "failed";

  private final PrometheusMeterRegistry registry;
  private List<String> unschedulablePools = List.of();

  /**
   * A probe that ran in a pool: its namespace's verdict, when it was published, and whether it
   * brought facts (an error verdict has none).
   */
  private record PoolFact(Verdict verdict, double at, boolean facts) {}

  /**
   * Per pool, per namespace, the latest result of a probe that ran there. Kept when the namespace
   * is later probed elsewhere (that probe says nothing about this pool); each full sweep, which
   * pins a probe to every pool, replaces what an earlier one left.
   */
  private final Map<String, Map<String, PoolFact>> poolFacts = new TreeMap<>();

  /** At most this many pools get series of their own; the rest are {@code pool="other"}. */
  public static final int MAX_POOLS = 50;

  /** A pool's status: the worst verdict of its probes (in this order), or unschedulable. */
  private static final List<Verdict> POOL_ORDER =
      List.of(
          Verdict.EXPOSED, Verdict.REACHABLE, Verdict.ERROR, Verdict.DEGRADED, Verdict.PROTECTED);

  public static final String UNSCHEDULABLE = "unschedulable";

  /** The pool statuses, in the order of the series. */
  private static final List<String> POOL_WORDS = poolWords();

  private final Timer sweepDuration;
  private final Timer changeToResult;
  private final Map<String, Double> lastFacts = new HashMap<>();
  private final Map<String, NamespaceSeries> current = new TreeMap<>();
  private final Map<String, Double> publishedAt = new HashMap<>();
  private final Map<List<String>, Counter> failures = new HashMap<>();
  private final AtomicLong lastSuccessMillis = new AtomicLong();
  private Gauge lastSuccess;

  public ProberMetrics(String version) {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), version);
  }

  public ProberMetrics(PrometheusMeterRegistry registry, String version) {
    this.registry = registry;
    registry.getPrometheusRegistry().register(() -> NamespaceFamilies.snapshots(view()));
    sweepDuration =
        Timer.builder("imds.prober.sweep.duration")
            .description("Whole sweeps")
            .serviceLevelObjectives(
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                Duration.ofSeconds(30),
                Duration.ofMinutes(1),
                Duration.ofMinutes(2),
                Duration.ofMinutes(5),
                Duration.ofMinutes(10))
            .register(registry);
    changeToResult =
        Timer.builder("imds.prober.change.to.result")
            .description(
                "From a change seen (a NetworkPolicy, a new namespace, an imds-prober.io"
                    + " annotation) to the affected namespace's new result")
            // Micrometer's percentile buckets (about 10% apart) between 500 ms and 10 minutes, so
            // histogram_quantile reads a p95 near the 15 s goal to a second, not to a bucket
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(500))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .serviceLevelObjectives(Duration.ofSeconds(15))
            .register(registry);
    for (String result : List.of(COMPLETE, PARTIAL, FAILED)) {
      sweeps(result);
    }
    Gauge.builder("imds.prober.build.info", () -> 1)
        .description("The prober's version")
        .tag("version", version)
        .register(registry);
  }

  /**
   * {@code imds_prober_interval_seconds}: the time between two sweeps (serve only), which the
   * staleness alerts measure against.
   */
  public void trackInterval(Duration interval) {
    Gauge.builder("imds.prober.interval", () -> interval.toMillis() / 1000.0)
        .baseUnit("seconds")
        .description("The time between two sweeps (serve.interval or serve.schedule)")
        .register(registry);
  }

  /** {@code imds_prober_leader}: 1 while this replica holds the Lease and sweeps (serve only). */
  public void trackLeader(java.util.function.BooleanSupplier leading) {
    Gauge.builder("imds.prober.leader", () -> leading.getAsBoolean() ? 1 : 0)
        .description("1 on the replica that holds the Lease and sweeps")
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The text exposition of every series. */
  public String scrape() {
    return registry.scrape();
  }

  /** The text exposition of every series, written as it is made (no copy of the whole text). */
  public void scrape(java.io.OutputStream out) throws java.io.IOException {
    registry.scrape(out);
  }

  /** What the per-namespace series are made of, as it is now. */
  private synchronized NamespaceFamilies.View view() {
    return new NamespaceFamilies.View(
        List.copyOf(current.values()),
        new TreeMap<>(lastFacts),
        poolStatus(),
        POOL_WORDS,
        poolLastFacts());
  }

  /** A sweep that could not probe anything (the API server unreachable, a permission missing). */
  public synchronized void sweepFailed(Duration took) {
    sweeps(FAILED).increment();
    sweepDuration.record(took);
  }

  /**
   * Takes in a finished sweep as a whole ({@code sweep --once}): every namespace's result, then the
   * sweep's own metrics.
   */
  public synchronized void record(SweepResult result) {
    double at = result.started().toEpochMilli() / 1000.0 + result.durationMs() / 1000.0;
    for (NamespaceResult r : result.namespaces()) {
      publish(r, at);
    }
    finish(result);
  }

  /**
   * Takes in one namespace's result as soon as its probe is over (DESIGN.md "Scale and freshness":
   * published as each probe finishes). A result older than the one already published for the
   * namespace (a sweep that started before a re-probe) is ignored.
   *
   * @param at when the result was read (Unix seconds): the namespace's last-probe time
   */
  public synchronized void publish(NamespaceResult r, double at) {
    Double before = publishedAt.get(r.namespace());
    if (before != null && before > at) {
      return;
    }
    if (r.judgement().verdict() == Verdict.SKIPPED) {
      drop(r.namespace()); // opted out: no staleness, no failures, only the opt-out series
    }
    publishedAt.put(r.namespace(), at);
    current.put(r.namespace(), NamespaceSeries.of(r));
    if (r.pool() != null && r.judgement().verdict() != Verdict.SKIPPED) {
      poolFacts
          .computeIfAbsent(r.pool(), p -> new HashMap<>())
          .put(r.namespace(), new PoolFact(r.judgement().verdict(), at, r.facts() != null));
    }
    if (r.judgement().verdict() != Verdict.SKIPPED) {
      if (r.judgement().verdict() == Verdict.ERROR) {
        failure(r.namespace(), r.judgement().reason()).increment();
      }
      if (r.facts() != null) {
        lastFacts.put(r.namespace(), at);
      }
    }
  }

  /** How long from a change seen (a policy, a namespace) to its namespace's new result. */
  public void changeToResult(Duration took) {
    changeToResult.record(took);
  }

  /**
   * A sweep is over: its own metrics, and the namespaces it did not cover (gone, no longer
   * targeted) lose their series. A sweep that probed nothing ({@code fatal}) keeps them.
   */
  public synchronized void finish(SweepResult result) {
    String outcome =
        result.fatal() != null
            ? FAILED
            : result.namespaces().stream().anyMatch(n -> n.judgement().verdict() == Verdict.ERROR)
                ? PARTIAL
                : COMPLETE;
    sweeps(outcome).increment();
    sweepDuration.record(Duration.ofMillis(result.durationMs()));
    if (result.fatal() == null) {
      Set<String> covered = new HashSet<>();
      result.namespaces().forEach(n -> covered.add(n.namespace()));
      Set<String> gone = new HashSet<>(current.keySet());
      gone.removeAll(covered);
      gone.forEach(this::drop);
      double started = result.started().toEpochMilli() / 1000.0;
      poolFacts.values().forEach(m -> m.values().removeIf(f -> f.at() < started));
      poolFacts.values().removeIf(Map::isEmpty);
    }
    if (outcome.equals(COMPLETE)) {
      markSuccess(result);
    }
  }

  /** A namespace that is gone (deleted, no longer targeted) loses its series at once. */
  public synchronized void forget(String namespace) {
    drop(namespace);
  }

  private void drop(String namespace) {
    current.remove(namespace);
    publishedAt.remove(namespace);
    poolFacts.values().forEach(m -> m.remove(namespace));
    poolFacts.values().removeIf(Map::isEmpty);
    lastFacts.remove(namespace);
    failures
        .entrySet()
        .removeIf(
            e -> {
              if (!e.getKey().get(0).equals(namespace)) {
                return false;
              }
              registry.remove(e.getValue());
              return true;
            });
  }

  /** The pools no node of which takes a probe pod, from the last full sweep. */
  public synchronized void unschedulablePools(List<String> pools) {
    unschedulablePools = List.copyOf(pools);
  }

  /**
   * Each pool's series name: itself for the first {@link #MAX_POOLS} pools by name (those with a
   * probe, and the unschedulable ones), {@code other} for the rest.
   */
  private Map<String, String> poolNames() {
    Set<String> pools = new java.util.TreeSet<>(poolFacts.keySet());
    pools.addAll(unschedulablePools);
    Map<String, String> names = new HashMap<>();
    int i = 0;
    for (String pool : pools) {
      names.put(pool, i++ < MAX_POOLS ? pool : "other");
    }
    return names;
  }

  /**
   * When facts last arrived from a probe that ran in each pool (the coverage rules' freshness of a
   * pool); a pool whose probes brought none has no series.
   */
  private Map<String, Double> poolLastFacts() {
    Map<String, String> names = poolNames();
    Map<String, Double> last = new TreeMap<>();
    poolFacts.forEach(
        (pool, facts) ->
            facts.values().stream()
                .filter(PoolFact::facts)
                .forEach(f -> last.merge(names.get(pool), f.at(), Math::max)));
    return last;
  }

  /** Each pool's status (at most {@link #MAX_POOLS} pools, the rest as {@code other}). */
  private Map<String, String> poolStatus() {
    Map<String, Verdict> worst = new TreeMap<>();
    poolFacts.forEach(
        (pool, facts) ->
            facts
                .values()
                .forEach(
                    f ->
                        worst.merge(
                            pool,
                            f.verdict(),
                            (a, b) -> POOL_ORDER.indexOf(a) <= POOL_ORDER.indexOf(b) ? a : b)));
    Map<String, String> status = new TreeMap<>();
    worst.forEach((p, v) -> status.put(p, v.word()));
    unschedulablePools.forEach(p -> status.putIfAbsent(p, UNSCHEDULABLE));
    Map<String, String> capped = new TreeMap<>();
    int i = 0;
    for (Map.Entry<String, String> e : status.entrySet()) {
      String pool = i++ < MAX_POOLS ? e.getKey() : "other";
      capped.merge(pool, e.getValue(), (a, b) -> rank(a) <= rank(b) ? a : b);
    }
    return capped;
  }

  private static List<String> poolWords() {
    List<String> words = new ArrayList<>();
    POOL_ORDER.forEach(v -> words.add(v.word()));
    words.add(UNSCHEDULABLE);
    return List.copyOf(words);
  }

  private static int rank(String status) {
    for (int i = 0; i < POOL_ORDER.size(); i++) {
      if (POOL_ORDER.get(i).word().equals(status)) {
        return i;
      }
    }
    return POOL_ORDER.size();
  }

  /**
   * Drops every per-namespace series: a replica that stops leading must not keep exporting what the
   * new leader now reports.
   */
  public synchronized void forgetNamespaces() {
    lastFacts.clear();
    current.clear();
    publishedAt.clear();
    poolFacts.clear();
    failures.values().forEach(registry::remove);
    failures.clear();
  }

  private void markSuccess(SweepResult result) {
    lastSuccessMillis.set(result.started().toEpochMilli() + result.durationMs());
    if (lastSuccess == null) {
      lastSuccess =
          Gauge.builder(
                  "imds.prober.last.success.timestamp", () -> lastSuccessMillis.get() / 1000.0)
              .baseUnit("seconds")
              .description("When a sweep last judged every namespace (Unix time)")
              .register(registry);
    }
  }

  private Counter sweeps(String result) {
    return Counter.builder("imds.prober.sweeps")
        .description("Sweeps by result: complete, partial (some namespace an error), failed")
        .tag("result", result)
        .register(registry);
  }

  private Counter failure(String namespace, String reason) {
    return failures.computeIfAbsent(
        List.of(namespace, reason),
        k ->
            Counter.builder("imds.prober.probe.failures")
                .description("Probes that produced no usable facts, by reason")
                .tags("namespace", namespace, "reason", reason)
                .register(registry));
  }
}
