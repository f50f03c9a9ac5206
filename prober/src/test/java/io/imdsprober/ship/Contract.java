package io.imdsprober.ship;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names of DESIGN.md's contract, and the names a PromQL text uses. */
public final class Contract {
  /** The contract's names, with a histogram's series suffixes. */
  public static final Set<String> NAMES =
      Set.of(
          "imds_prober_namespace_status",
          "imds_prober_metadata_reachable",
          "imds_prober_check_success",
          "imds_prober_check_duration_seconds",
          "imds_prober_last_probe_timestamp_seconds",
          "imds_prober_enforcement_delay_seconds",
          "imds_prober_probe_failures_total",
          "imds_prober_sweeps_total",
          "imds_prober_sweep_duration_seconds_bucket",
          "imds_prober_sweep_duration_seconds_sum",
          "imds_prober_sweep_duration_seconds_count",
          "imds_prober_namespaces",
          "imds_prober_build_info",
          // issue 4: exported once a sweep judged every namespace (also pushed by sweep --once)
          "imds_prober_last_success_timestamp_seconds",
          // wave 2 (issue 10): serve only, 1 on the replica that holds the Lease
          "imds_prober_leader",
          // issue 12: namespaces that opt out (skip, expect-reachable)
          "imds_prober_namespace_optout",
          // issue 13: the prediction by policy in sweeps
          "imds_prober_policy_workloads_exposed",
          "imds_prober_policy_drift",
          // issue 14: serve's interval (the staleness alerts' threshold), change to result
          "imds_prober_interval_seconds",
          "imds_prober_change_to_result_seconds_bucket",
          "imds_prober_change_to_result_seconds_sum",
          "imds_prober_change_to_result_seconds_count",
          "imds_prober_node_pool_status",
          // issue 23: when facts last arrived from a pool (the node pool coverage rule)
          "imds_prober_node_pool_last_probe_timestamp_seconds");

  /** A metric name; not a recording rule's ({@code cluster:imds_prober_..._coverage:ratio}). */
  private static final Pattern NAME = Pattern.compile("(?<![:\\w])imds_prober_[a-z_]+\\b(?!:)");

  private Contract() {}

  /** The imds_prober_* metric names a PromQL expression uses (recorded series left out). */
  public static Set<String> namesIn(String promql) {
    Set<String> out = new TreeSet<>();
    Matcher m = NAME.matcher(promql);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }
}
