package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What a policy decision reads from the cluster: one slim pod per distinct (workload, labels,
 * hostNetwork), so that no replica is hidden behind its siblings while memory grows with label
 * sets, not with pods.
 */
class ClusterPoliciesLabelSetsTest extends SweepTestCase {
  void pod(String name, Map<String, String> labels, boolean hostNetwork) {
    fx.cluster
        .admin
        .pods()
        .inNamespace("db")
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("db")
                .withLabels(labels)
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("StatefulSet")
                .withName("pg")
                .withUid("u-pg")
                .withController(true)
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withHostNetwork(hostNetwork)
                .addNewContainer()
                .withName("c")
                .withImage("i")
                .withArgs("a long argument the decision never reads")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  @Test
  @DisplayName(
      "30 replicas with one label set, one relabelled role=master, one hostNetwork: three slim"
          + " pods, whatever the listing order")
  void onePodPerLabelSet() {
    fx.cluster.namespace("db");
    for (int i = 0; i < 15; i++) {
      pod("pg-a" + i, Map.of("app", "pg"), false);
    }
    pod("pg-master", Map.of("app", "pg", "role", "master"), false);
    pod("pg-host", Map.of("app", "pg"), true);
    for (int i = 0; i < 15; i++) {
      pod("pg-b" + i, Map.of("app", "pg"), false);
    }

    List<HasMetadata> objects =
        ClusterPolicies.list(fx.cluster.admin, io.imdsprober.policy.PolicyWeight.Caps.DEFAULT)
            .objects();

    List<Pod> pods = objects.stream().filter(o -> o instanceof Pod).map(o -> (Pod) o).toList();
    assertThat(pods)
        .extracting(
            p ->
                p.getMetadata().getLabels()
                    + " "
                    + Boolean.TRUE.equals(p.getSpec().getHostNetwork()))
        .containsExactlyInAnyOrder(
            Map.of("app", "pg") + " false",
            Map.of("app", "pg", "role", "master") + " false",
            Map.of("app", "pg") + " true");
    assertThat(pods)
        .as("slim: nothing the decision does not read")
        .allSatisfy(p -> assertThat(p.getSpec().getContainers()).isEmpty());
  }
}
