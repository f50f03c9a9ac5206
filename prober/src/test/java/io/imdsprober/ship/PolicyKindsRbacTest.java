package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.imdsprober.serve.TestServe;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optional component manifests/components/policy-kinds grants exactly what policy coverage of
 * the admin, Calico, Cilium and Antrea kinds asks of the API server: a reviewer's question is
 * whether adding it gives the prober any right it does not use. Two clusters between them use every
 * grant: one where Calico's API server serves projectcalico.org (crd.projectcalico.org is then not
 * read), one with Calico's CRDs only.
 */
class PolicyKindsRbacTest {
  static final Map<String, Boolean> CALICO =
      Map.of(
          "networkpolicies", true,
          "globalnetworkpolicies", false,
          "tiers", false,
          "globalnetworksets", false,
          "networksets", true,
          "stagednetworkpolicies", true,
          "stagedglobalnetworkpolicies", false,
          "stagedkubernetesnetworkpolicies", true);

  static Map<String, Map<String, Boolean>> served(String calicoGroupVersion) {
    Map<String, Map<String, Boolean>> out = new LinkedHashMap<>();
    out.put(
        "policy.networking.k8s.io/v1alpha1",
        Map.of("adminnetworkpolicies", false, "baselineadminnetworkpolicies", false));
    out.put("policy.networking.k8s.io/v1alpha2", Map.of("clusternetworkpolicies", false));
    out.put(calicoGroupVersion, CALICO);
    if (calicoGroupVersion.startsWith("projectcalico.org")) {
      out.put("crd.projectcalico.org/v1", CALICO);
    }
    out.put(
        "cilium.io/v2",
        Map.of("ciliumnetworkpolicies", true, "ciliumclusterwidenetworkpolicies", false));
    out.put(
        "crd.antrea.io/v1beta1", Map.of("networkpolicies", true, "clusternetworkpolicies", false));
    return out;
  }

  /** What serve asked of the policy kinds' groups in a cluster serving them: sweep and watch. */
  static List<RbacTest.Access> accesses(Path dir, String calicoGroupVersion) throws Exception {
    try (MockCluster cluster = new MockCluster();
        FakeKubelet kubelet =
            new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED))) {
      cluster.node("node-1", "aws:///eu-west-1a/i-0abc", Map.of());
      cluster.namespace("shop");
      cluster.serves(served(calicoGroupVersion));
      GenericKubernetesResource tier = new GenericKubernetesResource();
      tier.setApiVersion(calicoGroupVersion);
      tier.setKind("Tier");
      tier.setMetadata(
          new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("security").build());
      tier.setAdditionalProperty("spec", Map.of("order", 100));
      cluster
          .admin
          .genericKubernetesResources(
              new ResourceDefinitionContext.Builder()
                  .withGroup(calicoGroupVersion.substring(0, calicoGroupVersion.indexOf('/')))
                  .withVersion(calicoGroupVersion.substring(calicoGroupVersion.indexOf('/') + 1))
                  .withKind("Tier")
                  .withPlural("tiers")
                  .withNamespaced(false)
                  .build())
          .resource(tier)
          .create();
      cluster.proberRequests(MockCluster.ANY_PROBER);
      try (TestServe serve =
          TestServe.of(
              cluster,
              Files.createDirectories(dir.resolve(calicoGroupVersion.replace('/', '-'))),
              TestServe.config(Map.of("serve.interval", "1h", "serve.pacing", "false")),
              Clock.systemUTC(),
              "rbac",
              "test")) {
        serve.service().start();
        await().atMost(Duration.ofSeconds(20)).until(() -> serve.service().lastResult() != null);
        // the informers' watches follow their first lists
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> watches(cluster) >= WATCHED);
      }
      List<RbacTest.Access> out = new java.util.ArrayList<>(seen);
      seen.clear();
      for (RecordedRequest r : cluster.proberRequests(MockCluster.ANY_PROBER)) {
        RbacTest.Access a = RbacTest.access(r);
        if (a != null && KIND_GROUPS.contains(a.group())) {
          out.add(a);
        }
      }
      return out;
    }
  }

  static final Set<String> KIND_GROUPS =
      Set.of(
          "policy.networking.k8s.io",
          "projectcalico.org",
          "crd.projectcalico.org",
          "cilium.io",
          "crd.antrea.io");

  /** Requests read while waiting for the watches (they are taken from the mock's queue). */
  static final List<RbacTest.Access> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The kinds watched in each cluster: 3 admin, 8 Calico (of one group), 2 Cilium. */
  static final int WATCHED = 13;

  /** How many kinds of the policy kinds' groups were watched so far. */
  static long watches(MockCluster cluster) throws InterruptedException {
    for (RecordedRequest r : cluster.proberRequests(MockCluster.ANY_PROBER)) {
      RbacTest.Access a = RbacTest.access(r);
      if (a != null && KIND_GROUPS.contains(a.group())) {
        seen.add(a);
      }
    }
    return seen.stream().filter(a -> a.verb().equals("watch")).map(a -> a.key()).distinct().count();
  }

  @Test
  @DisplayName(
      "components/policy-kinds grants exactly the lists and watches policy coverage makes of the"
          + " admin, Calico, Cilium and Antrea kinds; Antrea's are listed, never watched")
  void grantsEqualRequests(@TempDir Path dir) throws Exception {
    List<HasMetadata> rbac =
        Manifests.objects(
            Files.readString(Manifests.MANIFESTS.resolve("components/policy-kinds/rbac.yaml")));
    List<PolicyRule> rules =
        Manifests.one(rbac, ClusterRole.class, "imds-prober-policy-kinds").getRules();
    List<RbacTest.Access> accesses =
        new java.util.ArrayList<>(accesses(dir, "projectcalico.org/v3"));
    assertThat(accesses)
        .as("with Calico's API server, its CRD group is not read")
        .noneMatch(a -> a.group().equals("crd.projectcalico.org"));
    accesses.addAll(accesses(dir, "crd.projectcalico.org/v1"));
    Set<String> denied = new TreeSet<>();
    Set<String> used = new TreeSet<>();
    for (RbacTest.Access a : accesses) {
      boolean ok = false;
      for (PolicyRule rule : rules) {
        if (RbacTest.allows(rule, a)) {
          ok = true;
          used.add(a.key());
        }
      }
      if (!ok) {
        denied.add(a.key());
      }
    }
    assertThat(denied).as("requests the component does not allow").isEmpty();
    Set<String> granted = new TreeSet<>();
    for (PolicyRule rule : rules) {
      for (String g : rule.getApiGroups()) {
        for (String r : rule.getResources()) {
          for (String v : rule.getVerbs()) {
            granted.add(v + " " + g + "/" + r);
          }
        }
      }
    }
    granted.removeAll(used);
    assertThat(granted).as("grants no request needs").isEmpty();
    assertThat(used).doesNotContain("watch crd.antrea.io/networkpolicies");
  }
}
