package io.imdsprober.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which objects make a namespace's prediction incomplete, and where. */
class ForeignPoliciesTest {
  static HasMetadata object(String apiVersion, String kind, String namespace) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion(apiVersion);
    r.setKind(kind);
    r.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace(namespace).build());
    return r;
  }

  @ParameterizedTest(name = "{0} {1} in {2}: team-a sees [{3}], team-b sees [{4}]")
  @CsvSource(
      delimiter = '|',
      value = {
        "cilium.io/v2 | CiliumNetworkPolicy | team-a | CiliumNetworkPolicy (cilium.io) | ''",
        "cilium.io/v2 | CiliumClusterwideNetworkPolicy | '' | CiliumClusterwideNetworkPolicy"
            + " (cilium.io) | CiliumClusterwideNetworkPolicy (cilium.io)",
        "crd.projectcalico.org/v1 | NetworkPolicy | team-a | NetworkPolicy (crd.projectcalico.org)"
            + " | ''",
        "projectcalico.org/v3 | GlobalNetworkPolicy | '' | GlobalNetworkPolicy (projectcalico.org)"
            + " | GlobalNetworkPolicy (projectcalico.org)",
        "crd.antrea.io/v1beta1 | NetworkPolicy | team-a | NetworkPolicy (crd.antrea.io) | ''",
        "policy.networking.k8s.io/v1alpha1 | AdminNetworkPolicy | '' | AdminNetworkPolicy"
            + " (policy.networking.k8s.io) | AdminNetworkPolicy (policy.networking.k8s.io)",
        "policy.networking.k8s.io/v1alpha1 | BaselineAdminNetworkPolicy | '' |"
            + " BaselineAdminNetworkPolicy (policy.networking.k8s.io) | BaselineAdminNetworkPolicy"
            + " (policy.networking.k8s.io)",
        // not foreign: the Kubernetes kind itself, an unrelated kind of a known group, a core kind
        "networking.k8s.io/v1 | NetworkPolicy | team-a | '' | ''",
        "cilium.io/v2 | CiliumEndpoint | team-a | '' | ''",
        "v1 | ConfigMap | team-a | '' | ''",
      })
  void where(String apiVersion, String kind, String namespace, String inA, String inB) {
    ForeignPolicies f = ForeignPolicies.of(List.of(object(apiVersion, kind, namespace)), Set.of());
    assertThat(String.join(",", f.in("team-a"))).isEqualTo(inA);
    assertThat(String.join(",", f.in("team-b"))).isEqualTo(inB);
  }

  @Test
  @DisplayName(
      "a kind that cannot be listed counts everywhere; a typed NetworkPolicy never counts; none"
          + " found is empty")
  void unlistableAndNone() {
    ForeignPolicies.Kind cnp = ForeignPolicies.KNOWN.get(0);
    ForeignPolicies f = ForeignPolicies.of(List.of(), Set.of(cnp));
    assertThat(f.in("any")).containsExactly("CiliumNetworkPolicy (cilium.io), not listable");
    ForeignPolicies none =
        ForeignPolicies.of(
            List.of(
                new NetworkPolicyBuilder()
                    .withNewMetadata()
                    .withName("x")
                    .withNamespace("a")
                    .endMetadata()
                    .build()),
            Set.of());
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.in("a")).isEmpty();
    assertThat(ForeignPolicies.NONE.isEmpty()).isTrue();
  }
}
