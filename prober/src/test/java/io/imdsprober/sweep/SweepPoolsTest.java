package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.config.Config;
import io.imdsprober.metrics.ProberMetrics;
import io.imdsprober.verdict.Verdict;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every node pool is probed each sweep (DESIGN.md "Scale and freshness"). The on-call engineer's
 * question: one node group was launched with IMDS hop limit 2, or its CNI agent is down; does the
 * prober look there, or only where the scheduler happened to put its probes?
 */
class SweepPoolsTest extends SweepTestCase {
  static final String GROUP = "eks.amazonaws.com/nodegroup";

  static String pinnedPool(Job job) {
    var a = job.getSpec().getTemplate().getSpec().getAffinity();
    if (a == null) {
      return null;
    }
    var e =
        a.getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms()
            .get(0)
            .getMatchExpressions()
            .get(0);
    assertThat(e.getKey()).isEqualTo(GROUP);
    assertThat(e.getOperator()).isEqualTo("In");
    return e.getValues().get(0);
  }

  @Test
  @DisplayName(
      "each sweep pins one probe to every schedulable pool (others float); results carry the pool;"
          + " an exposed pool and a pool no probe can run on are on /metrics")
  void everyPoolEverySweep() throws Exception {
    for (String pool : List.of("general", "hoplimit2")) {
      fx.cluster.node(
          pool + "-1",
          "aws:///eu-west-1a/i-0" + pool,
          Map.of(GROUP, pool, "kubernetes.io/os", "linux"));
    }
    fx.cluster.node(
        "gpu-1", "aws:///eu-west-1a/i-0gpu", Map.of(GROUP, "gpu", "kubernetes.io/os", "linux"));
    fx.cluster
        .admin
        .nodes()
        .withName("gpu-1")
        .edit(
            n -> {
              n.getSpec().setUnschedulable(true);
              return n;
            });
    List<String> namespaces = List.of("n1", "n2", "n3", "n4", "n5");
    namespaces.forEach(fx.cluster::namespace);
    List<Job> jobs = new CopyOnWriteArrayList<>();
    FakeKubelet.Script script =
        (k, job) -> {
          jobs.add(job);
          String pool = pinnedPool(job);
          k.terminated(
              job, "hoplimit2".equals(pool) ? ProbeFacts.EXPOSED : ProbeFacts.PROTECTED, 0);
        };
    namespaces.forEach(ns -> fx.kubelet.script(ns, script));

    Config config = SweepFixture.config(Map.of());
    ProberMetrics metrics = new ProberMetrics("test");
    try (Sweeper sweeper = fx.sweeper(config)) {
      Map<String, Integer> pinnedPerNamespace = new HashMap<>();
      for (int round = 0; round < 3; round++) {
        jobs.clear();
        SweepResult r = sweeper.sweep();
        Map<String, String> pinned = new HashMap<>();
        for (Job j : jobs) {
          String pool = pinnedPool(j);
          if (pool != null) {
            pinned.put(j.getMetadata().getNamespace(), pool);
            pinnedPerNamespace.merge(j.getMetadata().getNamespace(), 1, Integer::sum);
          }
        }
        assertThat(pinned.values())
            .as("round %d: one probe pinned to each schedulable pool", round)
            .containsExactlyInAnyOrder("general", "hoplimit2");
        for (NamespaceResult n : r.namespaces()) {
          assertThat(n.pool()).isEqualTo(pinned.get(n.namespace()));
          assertThat(n.judgement().verdict())
              .isEqualTo("hoplimit2".equals(n.pool()) ? Verdict.EXPOSED : Verdict.PROTECTED);
        }
        assertThat(sweeper.lastPools().unschedulable()).containsExactly("gpu");
        metrics.unschedulablePools(sweeper.lastPools().unschedulable());
        metrics.record(r);
      }
      assertThat(pinnedPerNamespace.keySet())
          .as("over three sweeps the pinned probes rotate through the namespaces")
          .hasSizeGreaterThanOrEqualTo(4);
    }
    String scrape = metrics.scrape();
    assertThat(scrape)
        .contains("imds_prober_node_pool_status{pool=\"general\",status=\"protected\"} 1.0")
        .contains("imds_prober_node_pool_status{pool=\"hoplimit2\",status=\"exposed\"} 1.0")
        .contains("imds_prober_node_pool_status{pool=\"hoplimit2\",status=\"protected\"} 0.0")
        .contains("imds_prober_node_pool_status{pool=\"gpu\",status=\"unschedulable\"} 1.0");
  }
}
