package io.imdsprober.policy.cilium;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.chain.ClusterTiers;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which objects the Cilium reader takes, and which it leaves to the foreign-kind report. */
class CiliumReaderTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  final CiliumReader reader = new CiliumReader();

  static HasMetadata doc(String yaml) {
    return YAML.unmarshal(yaml, HasMetadata.class);
  }

  @Test
  @DisplayName("CNP and CCNP with a spec are read (and so are no foreign kind for the chain)")
  void readsBothKinds() {
    HasMetadata cnp =
        doc(
            "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace:"
                + " n}\nspec: {endpointSelector: {}}\n");
    HasMetadata ccnp =
        doc(
            "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name:"
                + " b}\nspecs: [{endpointSelector: {}}]\n");
    assertThat(reader.reads(cnp)).isTrue();
    assertThat(reader.reads(ccnp)).isTrue();
    assertThat(ClusterTiers.evaluated(cnp)).isTrue();
    assertThat(reader.of(List.of(cnp, ccnp)))
        .get()
        .satisfies(p -> assertThat(p.cni()).isEqualTo("Cilium"));
  }

  @Test
  @DisplayName(
      "an object without spec or specs is read as invalid, named, and never decides (the live"
          + " listing keeps each object's spec, so a spec-less one is what the API server holds)")
  void specLessObjectIsInvalid() {
    HasMetadata bare =
        doc(
            "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: n}\n");
    assertThat(reader.reads(bare)).isTrue();
    assertThat(reader.of(List.of(bare)))
        .hasValueSatisfying(p -> assertThat(p.invalid()).containsKey("CiliumNetworkPolicy n/a"));
  }

  @Test
  @DisplayName("other Cilium kinds and other groups are not read")
  void otherKinds() {
    assertThat(
            reader.reads(
                doc(
                    "apiVersion: cilium.io/v2\nkind: CiliumEndpoint\nmetadata: {name: a}\nspec:"
                        + " {}\n")))
        .isFalse();
    assertThat(
            reader.reads(
                doc(
                    "apiVersion: example.com/v2\nkind: CiliumNetworkPolicy\nmetadata: {name:"
                        + " a}\nspec: {}\n")))
        .isFalse();
  }
}
