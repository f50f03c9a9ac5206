package io.imdsprober.changes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Red-team finding against serve's watch of Calico's kinds: a NetworkSet is selected by its labels
 * (a policy rule's {@code selector}), not by its spec; the watch's digest covers {@code spec} and
 * {@code specs} only, so a tenant who relabels a set already holding the metadata address, so that
 * the platform's allow-list GlobalNetworkPolicy selects it, is never re-probed. FAILS on the code
 * it was written against.
 */
class RedTeamPolicyKindWatchTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  static GenericKubernetesResource set(String label) {
    return YAML.unmarshal(
        "apiVersion: projectcalico.org/v3\nkind: NetworkSet\nmetadata: {name: approved,"
            + " namespace: tenant, labels: {egress: "
            + label
            + "}}\nspec: {nets: [169.254.169.254/32]}\n",
        GenericKubernetesResource.class);
  }

  @Test
  @DisplayName("relabelling a NetworkSet (what policies select it by) is a change the watch sees")
  void networkSetRelabelIsAChange() {
    assertThat(PolicyKindWatch.digest(set("approved")))
        .isNotEqualTo(PolicyKindWatch.digest(set("pending")));
  }
}
