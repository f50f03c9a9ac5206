package io.imdsprober.metrics;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Judgement;
import io.imdsprober.verdict.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.MultiGauge.Row;
import io.micrometer.core.instrument.Tags;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The metrics contract (DESIGN.md "Metrics contract") over Micrometer's Prometheus registry. Each
 * namespace's series follow its latest result, published as its probe finishes ({@link #publish});
 * a sweep's own series when it ends ({@link #finish}). A namespace that is gone loses its series, a
 * skipped one keeps only its opt-out, and one whose probe produced no facts keeps only its status
 * and the time facts last arrived. The series are rebuilt at scrape time, once per batch of
 * results, not once per result.
 */
public final class ProberMetrics {
  /** Sweep outcomes: every namespace judged, some not, none probed at all. */
  public static final String COMPLETE = "complete";

  public static final String PARTIAL = "partial";
  public static final String FAILED = "failed";

  private final PrometheusMeterRegistry registry;
  private final MultiGauge namespaceStatus;
  private final MultiGauge metadataReachable;
  private final MultiGauge checkSuccess;
  private final MultiGauge checkDuration;
  private final MultiGauge lastProbe;
  private final MultiGauge enforcementDelay;
  private final MultiGauge namespaces;
  private final MultiGauge optOuts;
  private final MultiGauge policyExposed;
  private final MultiGauge policyDrift;
  private final MultiGauge poolStatus;
  private List<String> unschedulablePools = List.of();

  /** A probe that ran in a pool: its namespace's verdict, and when it was published. */
  private record PoolFact(Verdict verdict, double at) {}

  /**
   * Per pool, per namespace, the latest result of a probe that ran there. Kept when the namespace
   * is later probed elsewhere (that probe says nothing about this pool); each full sweep, which
   * pins a probe to every pool, replaces what an earlier one left.
   */
  private final Map<String, Map<String, PoolFact>> poolFacts = new java.util.TreeMap<>();

  /** At most this many pools get series of their own; the rest are {@code pool="other"}. */
  public static final int MAX_POOLS = 50;

  /** A pool's status: the worst verdict of its probes (in this order), or unschedulable. */
  private static final List<Verdict> POOL_ORDER =
      List.of(
          Verdict.EXPOSED, Verdict.REACHABLE, Verdict.ERROR, Verdict.DEGRADED, Verdict.PROTECTED);

  public static final String UNSCHEDULABLE = "unschedulable";
  private final Timer sweepDuration;
  private final Timer changeToResult;
  private final Map<String, Double> lastFacts = new HashMap<>();
  private final Map<String, NamespaceResult> current = new java.util.TreeMap<>();
  private final Map<String, Double> publishedAt = new HashMap<>();
  private boolean dirty;
  private final Map<List<String>, Counter> failures = new HashMap<>();
  private final AtomicLong lastSuccessMillis = new AtomicLong();
  private Gauge lastSuccess;

  public ProberMetrics(String version) {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), version);
  }

  public ProberMetrics(PrometheusMeterRegistry registry, String version) {
    this.registry = registry;
    namespaceStatus =
        MultiGauge.builder("imds.prober.namespace.status")
            .description("1 for the namespace's current verdict, 0 for the others")
            .register(registry);
    metadataReachable =
        MultiGauge.builder("imds.prober.metadata.reachable")
            .description("1 when the metadata target's TCP connect succeeded")
            .register(registry);
    checkSuccess =
        MultiGauge.builder("imds.prober.check.success")
            .description("1 when the check met the namespace's expectation")
            .register(registry);
    checkDuration =
        MultiGauge.builder("imds.prober.check.duration")
            .baseUnit("seconds")
            .description("How long the last probe's check took")
            .register(registry);
    lastProbe =
        MultiGauge.builder("imds.prober.last.probe.timestamp")
            .baseUnit("seconds")
            .description("When facts last arrived from the namespace's probe (Unix time)")
            .register(registry);
    enforcementDelay =
        MultiGauge.builder("imds.prober.enforcement.delay")
            .baseUnit("seconds")
            .description("Open-then-blocked delay the last probe saw (0: blocked at once)")
            .register(registry);
    optOuts =
        MultiGauge.builder("imds.prober.namespace.optout")
            .description(
                "1 while a namespace opts out: kind skip (not probed) or expect-reachable"
                    + " (metadata reachable is as expected)")
            .register(registry);
    policyExposed =
        MultiGauge.builder("imds.prober.policy.workloads.exposed")
            .description("Workloads that may reach a metadata target by NetworkPolicy")
            .register(registry);
    policyDrift =
        MultiGauge.builder("imds.prober.policy.drift")
            .description(
                "1 while policy and probe disagree: kind not-enforced, blocked-elsewhere,"
                    + " probe-targeted or incomplete")
            .register(registry);
    poolStatus =
        MultiGauge.builder("imds.prober.node.pool.status")
            .description(
                "1 for a node pool's status: the worst verdict of the probes that ran in it, or"
                    + " unschedulable (no node of it takes a probe pod)")
            .register(registry);
    namespaces =
        MultiGauge.builder("imds.prober.namespaces")
            .description("Namespaces per verdict in the last sweep")
            .register(registry);
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

  /** The text exposition of every series (the per-namespace ones rebuilt if results came in). */
  public String scrape() {
    synchronized (this) {
      flush();
    }
    return registry.scrape();
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
    current.put(r.namespace(), r);
    if (r.pool() != null && r.judgement().verdict() != Verdict.SKIPPED) {
      poolFacts
          .computeIfAbsent(r.pool(), p -> new HashMap<>())
          .put(r.namespace(), new PoolFact(r.judgement().verdict(), at));
    }
    if (r.judgement().verdict() != Verdict.SKIPPED) {
      if (r.judgement().verdict() == Verdict.ERROR) {
        failure(r.namespace(), r.judgement().reason()).increment();
      }
      if (r.facts() != null) {
        lastFacts.put(r.namespace(), at);
      }
    }
    dirty = true;
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
    flush();
    if (outcome.equals(COMPLETE)) {
      markSuccess(result);
    }
  }

  /** A namespace that is gone (deleted, no longer targeted) loses its series at once. */
  public synchronized void forget(String namespace) {
    drop(namespace);
    flush();
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
    dirty = true;
  }

  /** The per-namespace series from the results published so far, when they changed. */
  private void flush() {
    if (!dirty) {
      return;
    }
    dirty = false;
    List<Row<?>> status = new ArrayList<>();
    List<Row<?>> reachable = new ArrayList<>();
    List<Row<?>> success = new ArrayList<>();
    List<Row<?>> duration = new ArrayList<>();
    List<Row<?>> delay = new ArrayList<>();
    List<Row<?>> optOut = new ArrayList<>();
    List<Row<?>> exposedByPolicy = new ArrayList<>();
    List<Row<?>> drift = new ArrayList<>();
    Map<Verdict, Integer> perVerdict = new java.util.EnumMap<>(Verdict.class);
    for (Verdict v : Verdict.values()) {
      perVerdict.put(v, 0);
    }
    for (NamespaceResult r : current.values()) {
      String ns = r.namespace();
      Judgement j = r.judgement();
      perVerdict.merge(j.verdict(), 1, Integer::sum);
      if (j.verdict() == Verdict.SKIPPED) {
        optOut.add(Row.of(Tags.of("namespace", ns, "kind", "skip"), 1));
        continue;
      }
      if (r.expectations() != null
          && r.expectations().metadata() == Expectations.Metadata.REACHABLE) {
        optOut.add(Row.of(Tags.of("namespace", ns, "kind", "expect-reachable"), 1));
      }
      if (r.policy() != null) {
        exposedByPolicy.add(Row.of(Tags.of("namespace", ns), r.policy().mayReach().size()));
        r.policy()
            .drift()
            .forEach(d -> drift.add(Row.of(Tags.of("namespace", ns, "kind", d.word()), 1)));
      }
      for (Verdict v : Verdict.values()) {
        status.add(Row.of(Tags.of("namespace", ns, "status", v.word()), v == j.verdict() ? 1 : 0));
      }
      Facts f = r.facts();
      if (f == null) {
        continue;
      }
      for (MetadataFact m : f.metadata()) {
        reachable.add(
            Row.of(
                Tags.of("namespace", ns, "target", m.target()),
                m.tcp() == TcpResult.CONNECTED ? 1 : 0));
      }
      check(success, ns, "metadata", j.metadataOk());
      check(success, ns, "dns", j.dnsOk());
      check(success, ns, "egress", j.egressOk());
      duration.add(seconds(ns, "metadata", f.metadata(), m -> orZero(m.connectMs())));
      duration.add(seconds(ns, "dns", f.dns(), DnsFact::ms));
      duration.add(seconds(ns, "egress", f.egress(), EgressFact::ms));
      long opened = 0;
      for (MetadataFact m : f.metadata()) {
        opened = Math.max(opened, orZero(m.openedThenBlockedMs()));
      }
      delay.add(Row.of(Tags.of("namespace", ns), opened / 1000.0));
    }
    List<Row<?>> last = new ArrayList<>();
    lastFacts.forEach((ns, t) -> last.add(Row.of(Tags.of("namespace", ns), t)));
    List<Row<?>> counts = new ArrayList<>();
    perVerdict.forEach((v, n) -> counts.add(Row.of(Tags.of("status", v.word()), n)));

    namespaceStatus.register(status, true);
    metadataReachable.register(reachable, true);
    checkSuccess.register(success, true);
    checkDuration.register(duration, true);
    lastProbe.register(last, true);
    enforcementDelay.register(delay, true);
    namespaces.register(counts, true);
    optOuts.register(optOut, true);
    policyExposed.register(exposedByPolicy, true);
    policyDrift.register(drift, true);
    poolStatus.register(poolRows(), true);
  }

  /** The pools no node of which takes a probe pod, from the last full sweep. */
  public synchronized void unschedulablePools(List<String> pools) {
    unschedulablePools = List.copyOf(pools);
    dirty = true;
  }

  private List<Row<?>> poolRows() {
    Map<String, Verdict> worst = new java.util.TreeMap<>();
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
    Map<String, String> status = new java.util.TreeMap<>();
    worst.forEach((p, v) -> status.put(p, v.word()));
    unschedulablePools.forEach(p -> status.putIfAbsent(p, UNSCHEDULABLE));
    Map<String, String> capped = new java.util.TreeMap<>();
    int i = 0;
    for (Map.Entry<String, String> e : status.entrySet()) {
      String pool = i++ < MAX_POOLS ? e.getKey() : "other";
      capped.merge(pool, e.getValue(), (a, b) -> rank(a) <= rank(b) ? a : b);
    }
    List<String> words = new ArrayList<>();
    POOL_ORDER.forEach(v -> words.add(v.word()));
    words.add(UNSCHEDULABLE);
    List<Row<?>> rows = new ArrayList<>();
    capped.forEach(
        (pool, st) -> {
          for (String w : words) {
            rows.add(Row.of(Tags.of("pool", pool, "status", w), w.equals(st) ? 1 : 0));
          }
        });
    return rows;
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
    for (MultiGauge g :
        List.of(
            namespaceStatus,
            metadataReachable,
            checkSuccess,
            checkDuration,
            lastProbe,
            enforcementDelay,
            namespaces,
            optOuts,
            policyExposed,
            policyDrift,
            poolStatus)) {
      g.register(List.of(), true);
    }
    lastFacts.clear();
    current.clear();
    publishedAt.clear();
    poolFacts.clear();
    dirty = false;
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

  private static void check(List<Row<?>> rows, String ns, String check, Boolean ok) {
    if (ok != null) {
      rows.add(Row.of(Tags.of("namespace", ns, "check", check), ok ? 1 : 0));
    }
  }

  private static <T> Row<?> seconds(
      String ns, String check, List<T> facts, ToLongFunction<T> millis) {
    long max = 0;
    for (T t : facts) {
      max = Math.max(max, millis.applyAsLong(t));
    }
    return Row.of(Tags.of("namespace", ns, "check", check), max / 1000.0);
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
