package io.imdsprober.pools;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which pool a node is in, which pools take a probe, and which probes are pinned where. */
class NodePoolsTest {
  static final Map<String, String> LINUX = Map.of("kubernetes.io/os", "linux");

  static Node node(String name, Map<String, String> labels, boolean cordoned, Taint... taints) {
    Map<String, String> all = new HashMap<>(LINUX);
    all.putAll(labels);
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(all)
        .endMetadata()
        .withNewSpec()
        .withUnschedulable(cordoned)
        .withTaints(taints)
        .endSpec()
        .build();
  }

  @ParameterizedTest(name = "{0}={1}: pool {2}")
  @CsvSource({
    "cloud.google.com/gke-nodepool, default-pool, default-pool",
    "eks.amazonaws.com/nodegroup, ng-arm, ng-arm",
    "karpenter.sh/nodepool, spot, spot",
    "karpenter.sh/provisioner-name, old, old",
    "kubernetes.azure.com/agentpool, sys, sys",
    "agentpool, nodepool1, nodepool1",
    "node.kubernetes.io/instance-type, m5.large, m5.large",
  })
  void platforms(String key, String value, String pool) {
    NodePools p = NodePools.of(List.of(node("n", Map.of(key, value), false)), LINUX, List.of());
    assertThat(p.byNode()).containsEntry("n", pool);
    assertThat(p.schedulable().get(pool).labelKey()).isEqualTo(key);
  }

  @Test
  @DisplayName(
      "the pool label wins over the instance type; a Windows node or one without any pool label is"
          + " no pool")
  void precedence() {
    NodePools p =
        NodePools.of(
            List.of(
                node(
                    "a",
                    Map.of(
                        "eks.amazonaws.com/nodegroup", "ng",
                        "node.kubernetes.io/instance-type", "m5.large"),
                    false),
                node("w", Map.of("kubernetes.io/os", "windows", "agentpool", "win"), false),
                node("bare", Map.of(), false)),
            LINUX,
            List.of());
    assertThat(p.byNode()).containsExactlyEntriesOf(Map.of("a", "ng"));
  }

  @Test
  @DisplayName(
      "a pool takes the probe when one node does: cordoned, an untolerated NoSchedule taint or a"
          + " node selector mismatch on every node make it unschedulable; PreferNoSchedule and a"
          + " tolerated taint do not")
  void schedulable() {
    Taint gpu = new Taint("NoSchedule", "nvidia.com/gpu", null, "present");
    Taint soft = new Taint("PreferNoSchedule", "soft", null, "x");
    Taint dedicated = new Taint("NoExecute", "dedicated", null, "infra");
    Toleration infra =
        new TolerationBuilder()
            .withKey("dedicated")
            .withOperator("Equal")
            .withValue("infra")
            .withEffect("NoExecute")
            .build();
    List<Node> nodes =
        List.of(
            node("gpu-1", Map.of("agentpool", "gpu"), false, gpu),
            node("cord-1", Map.of("agentpool", "cordoned"), true),
            node("mixed-1", Map.of("agentpool", "mixed"), true),
            node("mixed-2", Map.of("agentpool", "mixed"), false, soft),
            node("infra-1", Map.of("agentpool", "infra"), false, dedicated),
            node("arm-1", Map.of("agentpool", "arm", "kubernetes.io/arch", "arm64"), false));
    NodePools p =
        NodePools.of(
            nodes,
            Map.of("kubernetes.io/os", "linux", "kubernetes.io/arch", "arm64"),
            List.of(infra));
    assertThat(p.schedulable().keySet()).containsExactly("arm");
    assertThat(p.unschedulable()).containsExactly("cordoned", "gpu", "infra", "mixed");
    NodePools anyArch = NodePools.of(nodes, LINUX, List.of(infra));
    assertThat(anyArch.schedulable().keySet()).containsExactly("arm", "infra", "mixed");
    Toleration all = new TolerationBuilder().withOperator("Exists").build();
    assertThat(NodePools.of(nodes, LINUX, List.of(all)).schedulable().keySet())
        .containsExactly("arm", "gpu", "infra", "mixed");
  }

  @Test
  @DisplayName(
      "placement: each sweep pins one probe to every schedulable pool, distinct namespaces, and"
          + " the namespaces (or, with fewer namespaces than pools, the pools) take turns")
  void placement() {
    List<Node> nodes = new ArrayList<>();
    for (String pool : List.of("a", "b", "c")) {
      nodes.add(node(pool + "-1", Map.of("agentpool", pool), false));
    }
    NodePools p = NodePools.of(nodes, LINUX, List.of());
    List<String> namespaces = List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6");
    Set<String> pinnedOverRounds = new HashSet<>();
    for (long round = 0; round < 7; round++) {
      Map<String, NodePools.Pool> placed = p.placement(namespaces, round);
      assertThat(placed).hasSize(3);
      assertThat(placed.values().stream().map(NodePools.Pool::name))
          .containsExactlyInAnyOrder("a", "b", "c");
      pinnedOverRounds.addAll(placed.keySet());
    }
    assertThat(pinnedOverRounds).as("every namespace takes its turn").hasSize(7);

    Set<String> poolsOverRounds = new HashSet<>();
    for (long round = 0; round < 3; round++) {
      Map<String, NodePools.Pool> placed = p.placement(List.of("only"), round);
      assertThat(placed).hasSize(1);
      poolsOverRounds.add(placed.get("only").name());
    }
    assertThat(poolsOverRounds).as("one namespace, three pools: one pool per sweep").hasSize(3);
    assertThat(p.placement(List.of(), 0)).isEmpty();
  }
}
