package io.imdsprober.metrics;

import io.imdsprober.verdict.Verdict;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The series that follow each namespace's latest result, and the counts and pool statuses derived
 * from them, built at scrape time from {@link NamespaceSeries} values. One collector instead of a
 * Micrometer gauge per series: at 5,000 namespaces that was about 90,000 meters, rebuilt at each
 * scrape that followed a result, and most of the heap.
 */
final class NamespaceFamilies {
  /** What a scrape reads: taken under the metrics' lock, turned into series outside it. */
  record View(
      Collection<NamespaceSeries> namespaces,
      Map<String, Double> lastFacts,
      Map<String, String> poolStatus,
      List<String> poolWords,
      Map<String, Double> poolLastFacts) {}

  private NamespaceFamilies() {}

  static MetricSnapshots snapshots(View view) {
    Family status =
        new Family(
            "imds_prober_namespace_status",
            "1 for the namespace's current verdict, 0 for the others");
    Family reachable =
        new Family(
            "imds_prober_metadata_reachable", "1 when the metadata target's TCP connect succeeded");
    Family success =
        new Family("imds_prober_check_success", "1 when the check met the namespace's expectation");
    Family duration =
        new Family("imds_prober_check_duration_seconds", "How long the last probe's check took");
    Family delay =
        new Family(
            "imds_prober_enforcement_delay_seconds",
            "Open-then-blocked delay the last probe saw (0: blocked at once)");
    Family optOut =
        new Family(
            "imds_prober_namespace_optout",
            "1 while a namespace opts out: kind skip (not probed) or expect-reachable"
                + " (metadata reachable is as expected)");
    Family exposedByPolicy =
        new Family(
            "imds_prober_policy_workloads_exposed",
            "Workloads that may reach a metadata target by NetworkPolicy");
    Family drift =
        new Family(
            "imds_prober_policy_drift",
            "1 while policy and probe disagree: kind not-enforced, blocked-elsewhere,"
                + " probe-targeted or incomplete");
    Family last =
        new Family(
            "imds_prober_last_probe_timestamp_seconds",
            "When facts last arrived from the namespace's probe (Unix time)");
    Family counts =
        new Family("imds_prober_namespaces", "Namespaces per verdict in the last sweep");
    Family pools =
        new Family(
            "imds_prober_node_pool_status",
            "1 for a node pool's status: the worst verdict of the probes that ran in it, or"
                + " unschedulable (no node of it takes a probe pod)");

    Family poolLast =
        new Family(
            "imds_prober_node_pool_last_probe_timestamp_seconds",
            "When facts last arrived from a probe that ran in the node pool (Unix time)");

    Map<Verdict, Integer> perVerdict = new EnumMap<>(Verdict.class);
    for (Verdict v : Verdict.values()) {
      perVerdict.put(v, 0);
    }
    for (NamespaceSeries n : view.namespaces()) {
      String ns = n.namespace();
      perVerdict.merge(n.verdict(), 1, Integer::sum);
      if (n.verdict() == Verdict.SKIPPED) {
        optOut.add(1, "kind", "skip", "namespace", ns);
        continue;
      }
      if (n.expectReachable()) {
        optOut.add(1, "kind", "expect-reachable", "namespace", ns);
      }
      if (n.mayReach() >= 0) {
        exposedByPolicy.add(n.mayReach(), "namespace", ns);
      }
      n.drift().forEach(d -> drift.add(1, "kind", d, "namespace", ns));
      for (Verdict v : Verdict.values()) {
        status.add(v == n.verdict() ? 1 : 0, "namespace", ns, "status", v.word());
      }
      if (!n.hasFacts()) {
        continue;
      }
      n.targets()
          .forEach(
              t -> reachable.add(t.connected() ? 1 : 0, "namespace", ns, "target", t.target()));
      for (int i = 0; i < NamespaceSeries.CHECKS.size(); i++) {
        String check = NamespaceSeries.CHECKS.get(i);
        Boolean ok = n.checks()[i];
        if (ok != null) {
          success.add(ok ? 1 : 0, "check", check, "namespace", ns);
        }
        duration.add(n.seconds()[i], "check", check, "namespace", ns);
      }
      delay.add(n.delaySeconds(), "namespace", ns);
    }
    view.lastFacts().forEach((ns, t) -> last.add(t, "namespace", ns));
    perVerdict.forEach((v, c) -> counts.add(c, "status", v.word()));
    view.poolStatus()
        .forEach(
            (pool, st) ->
                view.poolWords()
                    .forEach(w -> pools.add(w.equals(st) ? 1 : 0, "pool", pool, "status", w)));
    view.poolLastFacts().forEach((pool, t) -> poolLast.add(t, "pool", pool));

    List<MetricSnapshot> out = new ArrayList<>();
    for (Family f :
        List.of(
            status,
            reachable,
            success,
            duration,
            delay,
            optOut,
            exposedByPolicy,
            drift,
            last,
            counts,
            pools,
            poolLast)) {
      if (!f.points.isEmpty()) {
        out.add(new GaugeSnapshot(new MetricMetadata(f.name, f.help), f.points));
      }
    }
    return new MetricSnapshots(out);
  }

  /** One gauge family's data points as they are added. */
  private static final class Family {
    final String name;
    final String help;
    final List<GaugeDataPointSnapshot> points = new ArrayList<>();

    Family(String name, String help) {
      this.name = name;
      this.help = help;
    }

    /** A data point; labels as name, value pairs in name order. */
    void add(double value, String... labels) {
      points.add(new GaugeDataPointSnapshot(value, Labels.of(labels), null));
    }
  }
}
