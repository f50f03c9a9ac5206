package io.imdsprober.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.FactsJson;
import io.imdsprober.policy.Comparison;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.ship.Contract;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.ProbeFacts;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Judge;
import io.imdsprober.verdict.Judgement;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The metrics contract as scraped: names, labels, values, and series that go away. */
class ProberMetricsTest {

  ProberMetrics metrics;

  @BeforeEach
  void setUp() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.throwExceptionOnRegistrationFailure();
    metrics = new ProberMetrics(registry, "1.2.3");
  }

  static NamespaceResult judged(String ns, String json) {
    var facts = FactsJson.read(json);
    Judgement j =
        new Judge(Map.of(ProbeFacts.POD_IDENTITY, "EKS Pod Identity"))
            .judge(facts, Expectations.DEFAULT);
    return new NamespaceResult(ns, j, facts, "");
  }

  static NamespaceResult error(String ns, String reason) {
    return new NamespaceResult(ns, Judgement.error(reason), null, "detail");
  }

  static SweepResult sweep(NamespaceResult... results) {
    return new SweepResult(
        "s1", Instant.parse("2026-11-26T10:00:00Z"), 1500, List.of(results), null);
  }

  /** The value of one series line of the scrape, or null when there is no such series. */
  static Double value(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.valueOf(line.substring(series.length() + 1).trim());
      }
    }
    return null;
  }

  @Test
  @DisplayName("after a sweep every contract name is exported, with the verdicts' values")
  void contract() throws Exception {
    metrics.record(
        sweep(
            judged("a", ProbeFacts.PROTECTED).withPool("general"),
            judged("b", ProbeFacts.EXPOSED),
            error("c", "quota-exceeded"),
            new NamespaceResult("d", Judgement.skipped(), null, "")));
    metrics.trackLeader(() -> true);
    metrics.trackInterval(java.time.Duration.ofMinutes(10));
    metrics.unschedulablePools(List.of("gpu"));
    String s = metrics.scrape();
    assertThat(value(s, "imds_prober_leader")).isEqualTo(1.0);
    assertThat(value(s, "imds_prober_interval_seconds")).isEqualTo(600.0);
    assertThat(value(s, "imds_prober_node_pool_status{pool=\"gpu\",status=\"unschedulable\"}"))
        .isEqualTo(1.0);
    for (String name : Contract.NAMES) {
      if (name.equals("imds_prober_last_success_timestamp_seconds")) {
        continue; // only after a sweep that judged every namespace: see lastSuccess()
      }
      if (name.startsWith("imds_prober_policy_")) {
        continue; // only for namespaces with a prediction by policy: see policyMetrics()
      }
      assertThat(s).as(name).containsPattern("(?m)^" + name + "[{ ]");
    }
    assertThat(value(s, "imds_prober_namespace_status{namespace=\"b\",status=\"exposed\"}"))
        .isEqualTo(1.0);
    assertThat(value(s, "imds_prober_namespace_status{namespace=\"b\",status=\"protected\"}"))
        .isEqualTo(0.0);
    assertThat(value(s, "imds_prober_namespace_status{namespace=\"a\",status=\"protected\"}"))
        .isEqualTo(1.0);
    assertThat(
            value(
                s, "imds_prober_metadata_reachable{namespace=\"b\",target=\"169.254.169.254:80\"}"))
        .isEqualTo(1.0);
    assertThat(value(s, "imds_prober_check_success{check=\"metadata\",namespace=\"b\"}"))
        .isEqualTo(0.0);
    assertThat(value(s, "imds_prober_check_success{check=\"dns\",namespace=\"b\"}")).isEqualTo(1.0);
    assertThat(
            value(s, "imds_prober_probe_failures_total{namespace=\"c\",reason=\"quota-exceeded\"}"))
        .isEqualTo(1.0);
    assertThat(value(s, "imds_prober_namespace_status{namespace=\"c\",status=\"error\"}"))
        .isEqualTo(1.0);
    // a skipped namespace keeps only its opt-out, on record
    assertThat(s.lines().filter(l -> l.contains("namespace=\"d\"")))
        .containsExactly("imds_prober_namespace_optout{kind=\"skip\",namespace=\"d\"} 1.0");
    assertThat(value(s, "imds_prober_namespaces{status=\"skipped\"}")).isEqualTo(1.0);
    assertThat(value(s, "imds_prober_sweeps_total{result=\"partial\"}")).isEqualTo(1.0);
    assertThat(value(s, "imds_prober_build_info{version=\"1.2.3\"}")).isEqualTo(1.0);
    assertThat(value(s, "imds_prober_last_probe_timestamp_seconds{namespace=\"a\"}"))
        .isEqualTo(Instant.parse("2026-11-26T10:00:01.500Z").toEpochMilli() / 1000.0);
    // a sweep with an error has not judged every namespace
    assertThat(s).doesNotContain("imds_prober_last_success_timestamp_seconds");
    assertThat(Promtool.checkMetrics(s)).isEmpty();
  }

  @Test
  @DisplayName(
      "a namespace deleted loses its series, a skipped one keeps only its opt-out; an error keeps"
          + " only status and freshness")
  void seriesGoAway() {
    metrics.record(
        sweep(
            judged("gone", ProbeFacts.EXPOSED),
            judged("opted-out", ProbeFacts.EXPOSED),
            judged("broken", ProbeFacts.PROTECTED),
            error("broken-too", "image-pull")));
    metrics.record(
        sweep(
            new NamespaceResult("opted-out", Judgement.skipped(), null, ""),
            error("broken", "deadline"),
            judged("broken-too", ProbeFacts.PROTECTED)));
    String s = metrics.scrape();
    assertThat(s).doesNotContain("namespace=\"gone\"");
    assertThat(s.lines().filter(l -> l.contains("namespace=\"opted-out\"")))
        .containsExactly("imds_prober_namespace_optout{kind=\"skip\",namespace=\"opted-out\"} 1.0");
    assertThat(value(s, "imds_prober_namespace_status{namespace=\"broken\",status=\"error\"}"))
        .isEqualTo(1.0);
    assertThat(s).contains("imds_prober_last_probe_timestamp_seconds{namespace=\"broken\"}");
    assertThat(s)
        .doesNotContain("imds_prober_check_success{check=\"metadata\",namespace=\"broken\"}");
    assertThat(s).doesNotContain("imds_prober_metadata_reachable{namespace=\"broken\"");
    assertThat(
            value(s, "imds_prober_probe_failures_total{namespace=\"broken\",reason=\"deadline\"}"))
        .isEqualTo(1.0);
    assertThat(value(s, "imds_prober_namespaces{status=\"exposed\"}")).isEqualTo(0.0);
  }

  @Test
  @DisplayName("the last success timestamp appears once a sweep judged every namespace")
  void lastSuccess() {
    metrics.record(sweep(judged("a", ProbeFacts.PROTECTED), judged("b", ProbeFacts.EXPOSED)));
    String s = metrics.scrape();
    assertThat(value(s, "imds_prober_last_success_timestamp_seconds"))
        .isEqualTo(Instant.parse("2026-11-26T10:00:01.500Z").toEpochMilli() / 1000.0);
    assertThat(value(s, "imds_prober_sweeps_total{result=\"complete\"}")).isEqualTo(1.0);
  }

  /** A protected namespace with a prediction by policy (the probe denied by its policies). */
  static NamespaceResult withPolicy(
      String ns, Set<Comparison.Drift> drift, List<String> mayReach, List<String> targeted) {
    return judged(ns, ProbeFacts.PROTECTED)
        .withPolicy(
            Judgement.error("unused"),
            new Comparison(
                drift, mayReach, !mayReach.isEmpty(), targeted, Outcome.DENIED, List.of()));
  }

  @Test
  @DisplayName(
      "policy metrics: workloads that may reach by policy and each drift kind, per namespace; a"
          + " namespace gone from the prediction loses its series")
  void policyMetrics() {
    NamespaceResult hole =
        withPolicy(
            "hole",
            EnumSet.of(Comparison.Drift.PROBE_TARGETED),
            List.of("ReplicaSet/web-5d8f by hole/all-but-probe"),
            List.of("hole/all-but-probe"));
    NamespaceResult quiet =
        withPolicy("quiet", EnumSet.noneOf(Comparison.Drift.class), List.of(), List.of());
    NamespaceResult odd =
        withPolicy("odd", EnumSet.of(Comparison.Drift.INVALID), List.of(), List.of());
    metrics.record(sweep(hole, quiet, odd));
    String s = metrics.scrape();
    assertThat(value(s, "imds_prober_policy_drift{kind=\"invalid\",namespace=\"odd\"}"))
        .as("the series ImdsProberPolicyInvalid reads")
        .isEqualTo(1.0);
    assertThat(value(s, "imds_prober_policy_workloads_exposed{namespace=\"hole\"}")).isEqualTo(1.0);
    assertThat(value(s, "imds_prober_policy_workloads_exposed{namespace=\"quiet\"}"))
        .isEqualTo(0.0);
    assertThat(value(s, "imds_prober_policy_drift{kind=\"probe-targeted\",namespace=\"hole\"}"))
        .isEqualTo(1.0);
    assertThat(s)
        .doesNotContain("imds_prober_policy_drift{kind=\"probe-targeted\",namespace=\"quiet\"}");

    metrics.record(sweep(judged("hole", ProbeFacts.PROTECTED)));
    assertThat(metrics.scrape()).doesNotContain("imds_prober_policy_");
  }

  @Test
  @DisplayName(
      "node pools: a pool keeps what its pinned probe saw when the namespace is later probed"
          + " elsewhere; the worst verdict wins; the next full sweep replaces it; a gone namespace"
          + " takes its facts along")
  void poolStatus() {
    double t0 = Instant.parse("2026-11-26T10:00:01.5Z").toEpochMilli() / 1000.0;
    metrics.publish(judged("a", ProbeFacts.PROTECTED).withPool("general"), t0);
    metrics.publish(judged("b", ProbeFacts.EXPOSED).withPool("hop2"), t0);
    metrics.publish(judged("c", ProbeFacts.PROTECTED).withPool("hop2"), t0);
    // a re-probe of a ran on a node of no pool: general's fact stands
    metrics.publish(judged("a", ProbeFacts.PROTECTED), t0 + 5);
    String s = metrics.scrape();
    assertThat(value(s, "imds_prober_node_pool_status{pool=\"general\",status=\"protected\"}"))
        .isEqualTo(1.0);
    assertThat(value(s, "imds_prober_node_pool_status{pool=\"hop2\",status=\"exposed\"}"))
        .isEqualTo(1.0);
    assertThat(value(s, "imds_prober_node_pool_status{pool=\"hop2\",status=\"protected\"}"))
        .isEqualTo(0.0);

    // the next full sweep pinned c to hop2 (now protected) and nothing to general
    metrics.publish(judged("c", ProbeFacts.PROTECTED).withPool("hop2"), t0 + 700);
    metrics.finish(
        new SweepResult(
            "s2",
            Instant.parse("2026-11-26T10:10:00Z"),
            1500,
            List.of(
                judged("a", ProbeFacts.PROTECTED),
                judged("b", ProbeFacts.PROTECTED),
                judged("c", ProbeFacts.PROTECTED)),
            null));
    s = metrics.scrape();
    assertThat(value(s, "imds_prober_node_pool_status{pool=\"hop2\",status=\"protected\"}"))
        .isEqualTo(1.0);
    assertThat(s).doesNotContain("pool=\"general\"");

    metrics.forget("c");
    assertThat(metrics.scrape()).doesNotContain("pool=\"hop2\"");
  }

  @Test
  @DisplayName(
      "a node pool's freshness: when facts last came from a probe in it (the coverage rule reads"
          + " it); a probe without facts does not refresh it, and a pool with only such probes has"
          + " none")
  void poolLastFacts() {
    double t0 = Instant.parse("2026-11-26T10:00:01.5Z").toEpochMilli() / 1000.0;
    metrics.publish(judged("a", ProbeFacts.PROTECTED).withPool("general"), t0);
    metrics.publish(judged("b", ProbeFacts.EXPOSED).withPool("general"), t0 + 30);
    metrics.publish(error("c", "image-pull").withPool("general"), t0 + 60);
    metrics.publish(error("d", "image-pull").withPool("broken"), t0 + 60);
    String s = metrics.scrape();
    assertThat(value(s, "imds_prober_node_pool_last_probe_timestamp_seconds{pool=\"general\"}"))
        .isEqualTo(t0 + 30);
    assertThat(value(s, "imds_prober_node_pool_status{pool=\"broken\",status=\"error\"}"))
        .isEqualTo(1.0);
    assertThat(s)
        .doesNotContain("imds_prober_node_pool_last_probe_timestamp_seconds{pool=\"broken\"}");
  }

  @Test
  @DisplayName(
      "a pool label with an unbounded value space (say, a pool per node) is capped: 50 pools of"
          + " their own, the rest as other, with the worst status among them")
  void poolCap() {
    double t = Instant.parse("2026-11-26T10:00:01.5Z").toEpochMilli() / 1000.0;
    for (int i = 0; i < 80; i++) {
      String facts = i == 79 ? ProbeFacts.EXPOSED : ProbeFacts.PROTECTED;
      metrics.publish(
          judged(String.format("ns-%02d", i), facts).withPool(String.format("p-%02d", i)), t);
    }
    String s = metrics.scrape();
    long pools =
        s.lines()
            .filter(l -> l.startsWith("imds_prober_node_pool_status{") && l.endsWith(" 1.0"))
            .count();
    assertThat(pools)
        .as("pools with a status: 50 and other")
        .isEqualTo(ProberMetrics.MAX_POOLS + 1);
    assertThat(value(s, "imds_prober_node_pool_status{pool=\"other\",status=\"exposed\"}"))
        .isEqualTo(1.0);
    assertThat(s).doesNotContain("pool=\"p-79\"");
    assertThat(
            s.lines()
                .filter(l -> l.startsWith("imds_prober_node_pool_last_probe_timestamp_seconds{"))
                .count())
        .as("pool freshness series: capped as the statuses are")
        .isEqualTo(ProberMetrics.MAX_POOLS + 1);
  }

  @Test
  @DisplayName(
      "the per-namespace series cost no meter each: 1,000 namespaces judged add no Micrometer meter"
          + " to what one namespace needs (at 5,000 namespaces 90,000 meters took the heap); an"
          + " error adds its failure counter")
  void noMeterPerNamespace() {
    double at = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli() / 1000.0;
    metrics.publish(judged("ns-0", ProbeFacts.PROTECTED), at);
    metrics.scrape();
    int one = metrics.registry().getMeters().size();
    for (int i = 1; i < 1000; i++) {
      metrics.publish(
          judged("ns-" + i, i % 2 == 0 ? ProbeFacts.PROTECTED : ProbeFacts.EXPOSED), at);
    }
    String s = metrics.scrape();
    assertThat(metrics.registry().getMeters()).hasSize(one);
    assertThat(s.lines().filter(l -> l.startsWith("imds_prober_check_success{"))).hasSize(3000);
    metrics.publish(error("ns-7", "deadline"), at + 1);
    assertThat(metrics.registry().getMeters()).hasSize(one + 1);
  }

  @Test
  @DisplayName(
      "a result whose facts name one metadata target twice (acceptance rejects such facts; this is"
          + " the last line of defence) does not take /metrics down for every namespace")
  void duplicateTargetKeepsTheScrape() {
    String twice =
        ProbeFacts.facts(
            "ok",
            "ok",
            ProbeFacts.metadata(ProbeFacts.IMDS, "http", "connected", 200, "not-tried"),
            ProbeFacts.metadata(ProbeFacts.IMDS, "http", "timeout", null, "not-tried"));
    metrics.record(sweep(judged("a", ProbeFacts.PROTECTED), judged("dup", twice)));
    String s = metrics.scrape();
    assertThat(
            s.lines()
                .filter(
                    l ->
                        l.startsWith(
                            "imds_prober_metadata_reachable{namespace=\"dup\",target=\""
                                + ProbeFacts.IMDS
                                + "\"}"))
                .toList())
        .containsExactly(
            "imds_prober_metadata_reachable{namespace=\"dup\",target=\""
                + ProbeFacts.IMDS
                + "\"} 1.0");
    assertThat(value(s, "imds_prober_namespace_status{namespace=\"a\",status=\"protected\"}"))
        .isEqualTo(1.0);
  }
}
