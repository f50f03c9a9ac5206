package io.imdsprober.changes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Which namespaces a cluster-wide policy change re-probes. The attacker's question: can an object
 * of a shape nobody expects make serve re-probe too few namespaces (a change left unseen until the
 * next sweep), or crash the watch? A subject that cannot be read re-probes every namespace.
 */
class PolicyScopeTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final List<Namespace> KNOWN =
      List.of(ns("shop", Map.of("tier", "prod")), ns("lab", Map.of("tier", "dev")));

  static Namespace ns(String name, Map<String, String> labels) {
    return new NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .build();
  }

  static GenericKubernetesResource anp(String subject) {
    return YAML.unmarshal(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
            + "metadata: {name: x}\nspec: {priority: 1, subject: "
            + subject
            + "}\n",
        GenericKubernetesResource.class);
  }

  @Test
  @DisplayName(
      "an admin policy's readable subject narrows the re-probe to the namespaces it selects")
  void narrows() {
    assertThat(PolicyScope.namespaces(anp("{namespaces: {matchLabels: {tier: prod}}}"), KNOWN))
        .containsExactly("shop");
    assertThat(
            PolicyScope.namespaces(
                anp("{pods: {namespaceSelector: {matchLabels: {tier: dev}}, podSelector: {}}}"),
                KNOWN))
        .containsExactly("lab");
  }

  @Test
  @DisplayName(
      "a subject of a broken shape (a list, a number, an operator that does not exist, no"
          + " subject) re-probes every namespace, never none, and never throws")
  void brokenShapesReprobeEverything() {
    for (String subject :
        List.of(
            "[1, 2]",
            "7",
            "{namespaces: [a]}",
            "{namespaces: {matchExpressions: [{key: tier, operator: Sideways, values: [x]}]}}",
            "{namespaces: {matchLabels: {tier: [nested]}}}",
            "null")) {
      assertThat(PolicyScope.namespaces(anp(subject), KNOWN))
          .as(subject)
          .containsExactlyInAnyOrder("shop", "lab");
    }
  }
}
