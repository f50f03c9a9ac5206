package io.imdsprober.policy.calico;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.chain.ClusterTiers;
import io.imdsprober.policy.chain.CniPolicies;
import io.imdsprober.policy.chain.PolicyChain.Said;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What a tenant with {@code edit} in one namespace can write into Calico's kinds, and what the
 * on-call engineer then sees: which kinds are read, the staged objects reported, every object that
 * cannot be read named with its field, and no shape (wrong types, absent specs, hostile strings)
 * that makes the reader or the chain throw, or that makes a pod it may select look protected.
 */
class CalicoReaderTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final CalicoReader READER = new CalicoReader();

  static List<HasMetadata> objects(String... docs) {
    List<HasMetadata> out = new ArrayList<>();
    for (String d : docs) {
      out.add((HasMetadata) YAML.unmarshal(d, KubernetesResource.class));
    }
    return out;
  }

  @Test
  @DisplayName("reads Calico's groups and kinds only; none of its policy kinds: no Calico family")
  void kinds() {
    List<HasMetadata> tiersOnly =
        objects(CalicoTableTest.tier("security", "{order: 1}"), CalicoTableTest.NP_ALLOW_ALL);
    assertThat(READER.reads(tiersOnly.get(0))).isTrue();
    assertThat(READER.reads(tiersOnly.get(1))).as("networking.k8s.io").isFalse();
    assertThat(READER.of(tiersOnly)).isEmpty();
    GenericKubernetesResource other = new GenericKubernetesResource();
    other.setApiVersion("crd.antrea.io/v1beta1");
    other.setKind("NetworkPolicy");
    assertThat(READER.reads(other)).isFalse();
    other.setApiVersion("crd.projectcalico.org/v1");
    assertThat(READER.reads(other)).isTrue();
    other.setApiVersion("projectcalico.org");
    assertThat(READER.reads(other)).as("no version").isFalse();
  }

  @Test
  @DisplayName("staged kinds are reported, one line each, and never decide")
  void staged() {
    List<HasMetadata> set =
        objects(
            "apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata: {name:"
                + " g}\nspec: {selector: all(), egress: [{action: Deny}]}\n",
            "apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: n,"
                + " namespace: shop}\nspec: {selector: all(), egress: [{action: Deny}]}\n",
            "apiVersion: projectcalico.org/v3\nkind: StagedKubernetesNetworkPolicy\nmetadata:"
                + " {name: k, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Egress]}\n");
    CniPolicies calico = READER.of(set).orElseThrow();
    assertThat(calico.reported())
        .containsExactly(
            "StagedGlobalNetworkPolicy g: staged, Calico does not enforce it (not evaluated)",
            "StagedNetworkPolicy shop/n: staged, Calico does not enforce it (not evaluated)",
            "StagedKubernetesNetworkPolicy shop/k: staged, Calico does not enforce it (not"
                + " evaluated)");
    assertThat(ClusterTiers.of(set).reported()).hasSize(3);
    assertThat(calico.invalid()).isEmpty();
    assertThat(decide(set, "shop").decision().outcome()).isEqualTo(Outcome.ALLOWED);
  }

  @Test
  @DisplayName("every object that cannot be read is named with its field")
  void invalidNamed() {
    List<HasMetadata> set =
        objects(
            CalicoTableTest.gnp("a", "{selector: 'a ==', egress: [{action: Allow}]}"),
            CalicoTableTest.cnp(
                "shop",
                "b",
                "{egress: [{action: Deny, protocol: TCP, destination: {ports:" + " ['90:80']}}]}"),
            CalicoTableTest.tier("t", "{order: high}"),
            "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: s}\n"
                + "spec: {nets: [010.0.0.0/8]}\n",
            CalicoTableTest.gnp("c", "{types: [Egress, Egress]}"),
            CalicoTableTest.cnp("shop", "d", "{namespaceSelector: all(), egress: []}"));
    assertThat(READER.of(set).orElseThrow().invalid())
        .containsOnlyKeys(
            "GlobalNetworkPolicy a",
            "NetworkPolicy.projectcalico.org shop/b",
            "Tier t",
            "GlobalNetworkSet s",
            "GlobalNetworkPolicy c",
            "NetworkPolicy.projectcalico.org shop/d")
        .hasEntrySatisfying(
            "GlobalNetworkPolicy a", v -> assertThat(v).startsWith("spec.selector 'a =='"))
        .hasEntrySatisfying(
            "NetworkPolicy.projectcalico.org shop/b",
            v -> assertThat(v).contains("spec.egress[0].destination.ports"))
        .hasEntrySatisfying("Tier t", v -> assertThat(v).startsWith("spec.order 'high'"))
        .hasEntrySatisfying("GlobalNetworkSet s", v -> assertThat(v).contains("leading zero"))
        .hasEntrySatisfying(
            "GlobalNetworkPolicy c", v -> assertThat(v).contains("specified more than once"))
        .hasEntrySatisfying(
            "NetworkPolicy.projectcalico.org shop/d",
            v ->
                assertThat(v)
                    .isEqualTo(
                        "spec.namespaceSelector is not a field of"
                            + " NetworkPolicy.projectcalico.org"));
  }

  @Test
  @DisplayName(
      "a tenant's invalid NetworkPolicy in its own namespace leaves other namespaces decided")
  void invalidStaysInItsNamespace() {
    List<HasMetadata> set =
        objects(
            CalicoTableTest.cnp("tenant", "bad", "{selector: all(), egress: [{action: Drop}]}"),
            CalicoTableTest.DENY_IMDS);
    assertThat(decide(set, "tenant").decision().outcome()).isEqualTo(Outcome.DENIED);
    assertThat(decide(set, "shop").decision().outcome()).isEqualTo(Outcome.DENIED);
    List<HasMetadata> first =
        objects(
            CalicoTableTest.cnp(
                "tenant", "bad", "{order: 1, selector: all(), egress: [{action: Drop}]}"),
            CalicoTableTest.DENY_IMDS);
    assertThat(decide(first, "tenant").decision().outcome()).isEqualTo(Outcome.UNKNOWN);
    assertThat(decide(first, "shop").decision().outcome()).isEqualTo(Outcome.DENIED);
  }

  @Test
  @DisplayName("a tenant's Calico Allow in its own namespace cannot open another namespace")
  void tenantAllowStaysHome() {
    List<HasMetadata> set =
        objects(
            CalicoTableTest.cnp(
                "tenant", "open", "{order: 1, selector: all(), egress: [{action: Allow}]}"),
            CalicoTableTest.DENY_IMDS);
    assertThat(decide(set, "tenant").decision().outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(decide(set, "shop").decision().outcome()).isEqualTo(Outcome.DENIED);
  }

  static Said decide(List<HasMetadata> set, String namespace) {
    ClusterTiers tiers = ClusterTiers.of(set);
    return tiers
        .chain(new EgressPolicies(List.of()))
        .decide(
            tiers.subject(namespace, Map.of("app", "web"), null),
            Destinations.parse("169.254.169.254:80/TCP"));
  }

  // --- property: no shape makes the reader or the chain throw, or protects a selected pod ---

  @Provide
  Arbitrary<Object> values() {
    Arbitrary<Object> leaf =
        Arbitraries.oneOf(
            Arbitraries.of(
                "all()",
                "app == 'web'",
                "a ==",
                "global()",
                "Allow",
                "Deny",
                "Pass",
                "Log",
                "Drop",
                "TCP",
                "udp",
                "Egress",
                "Ingress",
                "169.254.169.254/32",
                "::/0",
                "1:1024",
                "http",
                "default",
                "security",
                "",
                "\u001b[2J",
                true,
                80,
                70000,
                -1,
                1.5,
                "100"),
            Arbitraries.integers().between(-5, 70000).map(i -> (Object) i));
    return Arbitraries.recursive(
        () -> leaf,
        v ->
            Arbitraries.oneOf(
                v.list().ofMaxSize(3).map(l -> (Object) l),
                Arbitraries.maps(
                        Arbitraries.of(
                            "selector",
                            "order",
                            "tier",
                            "types",
                            "egress",
                            "action",
                            "protocol",
                            "notProtocol",
                            "destination",
                            "source",
                            "nets",
                            "notNets",
                            "ports",
                            "notPorts",
                            "notSelector",
                            "namespaceSelector",
                            "services",
                            "serviceAccounts",
                            "names",
                            "ipVersion",
                            "icmp",
                            "notICMP",
                            "serviceAccountSelector",
                            "doNotTrack",
                            "preDNAT",
                            "x"),
                        v)
                    .ofMaxSize(4)
                    .map(m -> (Object) m)),
        3);
  }

  @Property(tries = 1500)
  void anyShapeIsReadOrNamed(
      @ForAll("values") Object spec, @ForAll("values") Object egress, @ForAll boolean global) {
    GenericKubernetesResource p = new GenericKubernetesResource();
    p.setApiVersion("projectcalico.org/v3");
    p.setKind(global ? "GlobalNetworkPolicy" : "NetworkPolicy");
    p.setMetadata(new ObjectMetaBuilder().withName("fuzz").withNamespace("shop").build());
    Map<String, Object> s = new HashMap<>();
    if (spec instanceof Map<?, ?> m) {
      m.forEach((k, v) -> s.put(String.valueOf(k), v));
    }
    s.put("egress", egress instanceof List<?> ? egress : List.of(egress));
    s.put("selector", "all()");
    p.setAdditionalProperties(Map.of("spec", s));
    List<HasMetadata> set = List.of(p);
    CniPolicies calico = READER.of(set).orElseThrow();
    Said said = decide(set, "shop");
    boolean selectsThePod =
        java.util.Collections.disjoint(
            s.keySet(),
            java.util.Set.of(
                "namespaceSelector", "serviceAccountSelector", "doNotTrack", "preDNAT"));
    if (!calico.invalid().isEmpty() && selectsThePod) {
      assertThat(said.decision().outcome())
          .as("an invalid policy selecting the pod never protects it: %s", calico.invalid())
          .isEqualTo(Outcome.UNKNOWN);
    }
  }
}
