package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Comparison.Drift;
import io.imdsprober.verdict.Verdict;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A sweep compares each namespace's prediction by policy with what its probe saw (DESIGN.md "Policy
 * coverage"). The attacker holds {@code edit} in a namespace and writes a policy that blocks only
 * the probe: the namespace must still be {@code exposed}. The on-call engineer must see a policy
 * the CNI does not enforce named as such, and a namespace whose policy and probe agree must stay
 * quiet.
 */
class SweepPolicyTest extends SweepTestCase {
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  void create(String yaml) {
    fx.cluster.admin.resource(YAML.unmarshal(yaml, HasMetadata.class)).create();
  }

  void policy(String ns, String name, String spec) {
    create(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: "
            + name
            + ", namespace: "
            + ns
            + "}\nspec:\n"
            + spec.indent(2));
  }

  void webPod(String ns) {
    create(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-5d8f-x1\n  namespace: "
            + ns
            + "\n  labels: {app: web}\n  ownerReferences:\n"
            + "    - {apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f, uid: u-"
            + ns
            + ", controller: true}\n"
            + "spec: {containers: [{name: c, image: i}]}\n");
  }

  static final String DENY_ALL = "podSelector: {}\npolicyTypes: [Egress]\n";

  @Test
  @DisplayName(
      "a policy that spares only the probe: exposed by policy, naming the workload and the policy;"
          + " not enforced is named; policy and probe in agreement stay quiet")
  void predictionAgainstObservation() throws Exception {
    fx.cluster.namespace("hole");
    holeNamespace("hole");

    fx.cluster.namespace("tight");
    policy(
        "tight",
        "all-but-metadata",
        """
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to:
              - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}
        """);
    webPod("tight");
    fx.kubelet.script("tight", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));

    fx.cluster.namespace("unenforced");
    policy("unenforced", "deny", DENY_ALL);
    webPod("unenforced");
    fx.kubelet.script("unenforced", (k, job) -> k.terminated(job, ProbeFacts.EXPOSED, 0));

    // a tenant labels its own pod like a probe pod and opens egress for exactly that pod
    fx.cluster.namespace("disguised");
    policy("disguised", "deny", DENY_ALL);
    policy(
        "disguised",
        "open-for-miner",
        """
        podSelector: {matchLabels: {app: miner}}
        policyTypes: [Egress]
        egress: [{}]
        """);
    create(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: miner-1-x1
          namespace: disguised
          labels: {app: miner, app.kubernetes.io/name: imds-probe, app.kubernetes.io/managed-by: imds-prober}
          ownerReferences:
            - {apiVersion: apps/v1, kind: ReplicaSet, name: miner-1, uid: u-m, controller: true}
        spec: {containers: [{name: c, image: i}]}
        """);
    fx.kubelet.script("disguised", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));

    SweepResult r = fx.sweep(Map.of());
    Map<String, NamespaceResult> by =
        r.namespaces().stream()
            .collect(Collectors.toMap(NamespaceResult::namespace, Function.identity()));

    NamespaceResult hole = by.get("hole");
    assertThat(hole.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(hole.judgement().reason())
        .isEqualTo(PolicyPredictions.REASON + ": ReplicaSet/web-5d8f by hole/all-but-probe");
    assertThat(hole.judgement().asExpected()).isFalse();
    assertThat(hole.policy().drift()).isEqualTo(Set.of(Drift.PROBE_TARGETED));
    assertThat(hole.policy().probeTargeted()).containsExactly("hole/all-but-probe");
    assertThat(hole.facts()).as("the probe's facts are kept").isNotNull();

    NamespaceResult tight = by.get("tight");
    assertThat(tight.judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(tight.policy().drift()).isEmpty();
    assertThat(tight.policy().mayReach()).as("web is blocked by the policy").isEmpty();

    NamespaceResult disguised = by.get("disguised");
    assertThat(disguised.judgement().verdict())
        .as("a workload labelled like the probe is not hidden from the prediction")
        .isEqualTo(Verdict.EXPOSED);
    assertThat(disguised.judgement().reason())
        .isEqualTo(PolicyPredictions.REASON + ": ReplicaSet/miner-1 by disguised/open-for-miner");

    NamespaceResult unenforced = by.get("unenforced");
    assertThat(unenforced.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(unenforced.policy().drift()).isEqualTo(Set.of(Drift.NOT_ENFORCED));
  }

  @Test
  @DisplayName(
      "NetworkPolicies that cannot be listed: verdicts from the probes alone, no policy section")
  void policiesUnavailable() throws Exception {
    fx.cluster.namespace("team");
    fx.kubelet.script("team", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));
    fx.cluster.fail(q -> q.getPath().startsWith("/apis/networking.k8s.io/v1/networkpolicies"));

    SweepResult r = fx.sweep(Map.of());

    assertThat(r.namespaces())
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.judgement().verdict()).isEqualTo(Verdict.PROTECTED);
              assertThat(n.policy()).isNull();
            });
    assertThat(r.fatal()).isNull();
  }

  /** The API server serves these groups (discovery), each with the given resources. */
  void serves(Map<String, List<String>> groups) {
    Map<String, Map<String, Boolean>> namespaced = new java.util.LinkedHashMap<>();
    groups.forEach(
        (gv, plurals) -> {
          Map<String, Boolean> resources = new java.util.LinkedHashMap<>();
          plurals.forEach(p -> resources.put(p, true));
          namespaced.put(gv, resources);
        });
    fx.cluster.serves(namespaced);
  }

  void holeNamespace(String ns) {
    policy(ns, "deny", DENY_ALL);
    policy(
        ns,
        "all-but-probe",
        """
        podSelector:
          matchExpressions:
            - {key: app.kubernetes.io/name, operator: NotIn, values: [imds-probe]}
        policyTypes: [Egress]
        egress: [{}]
        """);
    webPod(ns);
    fx.kubelet.script(ns, (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));
  }

  @Test
  @DisplayName(
      "an Antrea NetworkPolicy (a kind not evaluated) in a namespace: its prediction is incomplete, no exposure or drift is"
          + " claimed from it and the probe's verdict stands; other namespaces are judged as before")
  void foreignKindInOneNamespace() throws Exception {
    serves(Map.of("crd.antrea.io/v1beta1", List.of("networkpolicies", "tiers")));
    fx.cluster.namespace("antrea");
    holeNamespace("antrea");
    fx.cluster.namespace("plain");
    holeNamespace("plain");
    GenericKubernetesResource cnp = new GenericKubernetesResource();
    cnp.setApiVersion("crd.antrea.io/v1beta1");
    cnp.setKind("NetworkPolicy");
    cnp.setMetadata(new ObjectMetaBuilder().withName("l7").withNamespace("antrea").build());
    cnp.setAdditionalProperty(
        "spec", Map.of("appliedTo", List.of(Map.of("podSelector", Map.of()))));
    fx.cluster
        .admin
        .genericKubernetesResources(
            new ResourceDefinitionContext.Builder()
                .withGroup("crd.antrea.io")
                .withVersion("v1beta1")
                .withKind("NetworkPolicy")
                .withPlural("networkpolicies")
                .withNamespaced(true)
                .build())
        .inNamespace("antrea")
        .resource(cnp)
        .create();

    Map<String, NamespaceResult> by = byNamespace(fx.sweep(Map.of()));

    NamespaceResult antrea = by.get("antrea");
    assertThat(antrea.judgement().verdict())
        .as("an Antrea rule may deny what the NetworkPolicy allows: the probe's verdict stands")
        .isEqualTo(Verdict.PROTECTED);
    assertThat(antrea.policy().drift()).contains(Drift.INCOMPLETE);
    assertThat(antrea.policy().unknownKinds()).containsExactly("NetworkPolicy (crd.antrea.io)");
    assertThat(antrea.policy().mayReach()).as("still reported").isNotEmpty();
    NamespaceResult plain = by.get("plain");
    assertThat(plain.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(plain.policy().drift()).doesNotContain(Drift.INCOMPLETE);
    assertThat(plain.policy().unknownKinds()).isEmpty();
  }

  @Test
  @DisplayName(
      "AdminNetworkPolicy served but not listable by the prober: every namespace's prediction is"
          + " incomplete, named as not listable; the probes' verdicts stand")
  void unlistableClusterKind() throws Exception {
    serves(Map.of("policy.networking.k8s.io/v1alpha1", List.of("adminnetworkpolicies")));
    fx.cluster
        .server
        .expect()
        .get()
        .withPath("/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies?limit=5")
        .andReturn(
            403,
            MockCluster.status(
                403, "Forbidden", "adminnetworkpolicies.policy.networking.k8s.io is forbidden"))
        .always();
    fx.cluster.namespace("a");
    holeNamespace("a");

    Map<String, NamespaceResult> by = byNamespace(fx.sweep(Map.of()));

    assertThat(by.get("a").judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(by.get("a").policy().unknownKinds())
        .containsExactly("AdminNetworkPolicy (policy.networking.k8s.io), not listable");
  }

  static Map<String, NamespaceResult> byNamespace(SweepResult r) {
    return r.namespaces().stream()
        .collect(Collectors.toMap(NamespaceResult::namespace, Function.identity()));
  }
}
