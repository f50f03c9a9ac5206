package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.imdsprober.policy.Coverage;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.PolicyWeight;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Red-team findings against the live listing of Calico's kinds: a namespaced NetworkSet is selected
 * by a GlobalNetworkPolicy rule's selector in every namespace (docs.tigera.io calico
 * "calico-labels": in a global network policy an empty namespaceSelector with a selector "means
 * resources in any namespace and non-namespaced resources that match"; globalnetworkset: Calico
 * includes "the CIDRs from any network sets that match the selector"). The platform runs the usual
 * egress allow-list: one GlobalNetworkPolicy allowing egress to sets labelled {@code
 * egress=approved}, the default tier denying the rest. A tenant with {@code edit} in namespace
 * {@code tenant} adds such a set holding the metadata address: Calico then lets every namespace's
 * pods reach it. These tests FAIL on the code they were written against.
 */
class RedTeamCalicoNetworkSetTest {
  static final Destination IMDS = Destinations.parse("169.254.169.254:80");

  MockCluster cluster;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    cluster.serves(
        "projectcalico.org/v3", Map.of("globalnetworkpolicies", false, "networksets", true));
    cluster.namespace("shop");
    cluster.namespace("tenant");
    pod("shop");
    calico(
        "GlobalNetworkPolicy",
        null,
        "egress-allow-list",
        Map.of(),
        "{order: 10, selector: all(), types: [Egress],"
            + " egress: [{action: Allow, destination: {selector: \"egress == 'approved'\"}}]}");
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  void pod(String ns) {
    cluster
        .admin
        .resource(
            SweepAdminPolicyTest.YAML.unmarshal(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-5d8f-x1\n  namespace: "
                    + ns
                    + "\n  labels: {app: web}\n  ownerReferences:\n"
                    + "    - {apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f, uid: u-"
                    + ns
                    + ", controller: true}\n"
                    + "spec: {containers: [{name: c, image: i}]}\n",
                HasMetadata.class))
        .create();
  }

  void calico(String kind, String namespace, String name, Map<String, String> labels, String spec) {
    GenericKubernetesResource r =
        SweepAdminPolicyTest.YAML.unmarshal(
            "apiVersion: projectcalico.org/v3\nkind: "
                + kind
                + "\nmetadata: {name: "
                + name
                + (namespace == null ? "" : ", namespace: " + namespace)
                + "}\nspec: "
                + spec
                + "\n",
            GenericKubernetesResource.class);
    r.getMetadata().setLabels(labels);
    var resource =
        cluster.admin.genericKubernetesResources(
            new ResourceDefinitionContext.Builder()
                .withGroup("projectcalico.org")
                .withVersion("v3")
                .withKind(kind)
                .withPlural(kind.toLowerCase(java.util.Locale.ROOT).replaceAll("y$", "ie") + "s")
                .withNamespaced(namespace != null)
                .build());
    (namespace != null ? resource.inNamespace(namespace) : resource).resource(r).create();
  }

  /** The tenant's set: the metadata address, padded with {@code padding} other /24s. */
  void tenantSet(int padding) {
    String nets =
        IntStream.range(0, padding)
            .mapToObj(i -> "10." + (i / 250) + "." + (i % 250) + ".0/24")
            .collect(Collectors.joining(", ", "[169.254.169.254/32", "]"));
    nets = padding == 0 ? "[169.254.169.254/32]" : nets.replace("/32", "/32, ");
    nets = nets.replace("/32, , ", "/32, ");
    calico(
        "NetworkSet", "tenant", "approved", Map.of("egress", "approved"), "{nets: " + nets + "}");
  }

  static Outcome shop(ClusterPolicies.Listing listing) {
    Coverage c = Coverage.of(listing.objects(), List.of(IMDS));
    return c.workloads().stream()
        .filter(r -> r.workload().namespace().equals("shop"))
        .findFirst()
        .orElseThrow()
        .reach()
        .get(0)
        .decision()
        .outcome();
  }

  @Test
  @DisplayName(
      "control: the whole listing sees the tenant's set, and shop is predicted allowed (as Calico"
          + " does)")
  void controlWholeListing() {
    tenantSet(0);
    assertThat(shop(ClusterPolicies.list(cluster.admin, PolicyWeight.Caps.DEFAULT)))
        .isEqualTo(Outcome.ALLOWED);
  }

  /**
   * Finding 4 (hides exposure, other namespace): the set over policy.maxBytesPerPolicy is dropped
   * and only its own namespace ({@code tenant}) is named incomplete; shop, whose pods it opens, is
   * predicted denied and complete.
   */
  @Test
  @DisplayName(
      "a tenant's NetworkSet over policy.maxBytesPerPolicy: shop is not predicted denied without"
          + " being named incomplete")
  void heavyTenantSetHidesShopsExposure() {
    tenantSet(200);
    PolicyWeight.Caps d = PolicyWeight.Caps.DEFAULT;
    ClusterPolicies.Listing listing =
        ClusterPolicies.list(
            cluster.admin,
            new PolicyWeight.Caps(
                d.peersPerPolicy(), 2048, d.peersPerNamespace(), d.bytesPerNamespace()));
    boolean shopIncomplete =
        !listing.foreign().everywhere().isEmpty()
            || listing.foreign().byNamespace().containsKey("shop");
    assertThat(shopIncomplete || shop(listing) != Outcome.DENIED)
        .as(
            "shop predicted %s; incomplete where: %s / everywhere %s",
            shop(listing), listing.foreign().byNamespace(), listing.foreign().everywhere())
        .isTrue();
  }

  /**
   * Finding 5 (hides exposure, other namespace): a re-probe of shop lists the namespaced Calico
   * objects of shop only, so the tenant's set in namespace tenant is not read and shop is predicted
   * denied, where the whole listing (and Calico) says allowed.
   */
  @Test
  @DisplayName(
      "a re-probe of shop alone predicts what the whole listing predicts (the tenant's set opens"
          + " shop)")
  void reprobeOfShopMissesTenantSet() {
    tenantSet(0);
    Outcome whole = shop(ClusterPolicies.list(cluster.admin, PolicyWeight.Caps.DEFAULT));
    ClusterPolicies.Listing some =
        ClusterPolicies.list(cluster.admin, Set.of("shop"), null, null, PolicyWeight.Caps.DEFAULT);
    assertThat(shop(some))
        .as("re-probe of shop, incomplete where: %s", some.foreign().byNamespace())
        .isEqualTo(whole);
  }
}
