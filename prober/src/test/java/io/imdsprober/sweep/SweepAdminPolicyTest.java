package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Comparison.Drift;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.util.IpLiteral;
import io.imdsprober.verdict.Verdict;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A sweep in a cluster protected the way platform teams do it: one AdminNetworkPolicy that denies
 * the metadata addresses for every namespace. The prediction is decided (denied), not {@code
 * incomplete}; a CNI that does not enforce it is named; an ANP that selects by namespace labels
 * reads the namespaces' labels from the cluster; an ANP the evaluator cannot read is named invalid
 * and never counts as a deny.
 */
class SweepAdminPolicyTest extends SweepTestCase {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final String ANP = "policy.networking.k8s.io/v1alpha1";

  /** Every metadata address of the catalog, as networks of an ANP rule. */
  static final String METADATA_NETWORKS =
      Destinations.catalog().stream()
          .map(
              d -> IpLiteral.canonical(d.ip()) + (d.ip().getAddress().length == 4 ? "/32" : "/128"))
          .distinct()
          .map(c -> "\"" + c + "\"")
          .collect(Collectors.joining(", ", "[", "]"));

  void create(String yaml) {
    fx.cluster.admin.resource(YAML.unmarshal(yaml, HasMetadata.class)).create();
  }

  void anp(String name, String subject, String action, String networks) {
    GenericKubernetesResource r =
        YAML.unmarshal(
            "apiVersion: "
                + ANP
                + "\nkind: AdminNetworkPolicy\nmetadata: {name: "
                + name
                + "}\nspec:\n  priority: 10\n  subject: "
                + subject
                + "\n  egress: [{action: "
                + action
                + ", to: [{networks: "
                + networks
                + "}]}]\n",
            GenericKubernetesResource.class);
    fx.cluster
        .admin
        .genericKubernetesResources(
            new ResourceDefinitionContext.Builder()
                .withGroup("policy.networking.k8s.io")
                .withVersion("v1alpha1")
                .withKind("AdminNetworkPolicy")
                .withPlural("adminnetworkpolicies")
                .withNamespaced(false)
                .build())
        .resource(r)
        .create();
  }

  void webPod(String ns) {
    webPod(fx, ns);
  }

  /** A pod of ReplicaSet web-5d8f, labelled app=web, in {@code ns}. */
  static void webPod(SweepFixture fx, String ns) {
    fx.cluster
        .admin
        .resource(
            YAML.unmarshal(
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

  /** The API server serves the admin policy kinds (discovery). */
  void servesAdminPolicies() {
    fx.cluster.serves(
        ANP, Map.of("adminnetworkpolicies", false, "baselineadminnetworkpolicies", false));
  }

  static Map<String, NamespaceResult> byNamespace(SweepResult r) {
    return SweepPolicyTest.byNamespace(r);
  }

  @Test
  @DisplayName(
      "only an ANP that denies the metadata addresses for every namespace: predicted denied, not"
          + " incomplete; a probe that reached the endpoint anyway is named not enforced")
  void clusterWideDeny() throws Exception {
    servesAdminPolicies();
    anp("deny-imds", "{namespaces: {}}", "Deny", METADATA_NETWORKS);
    fx.cluster.namespace("quiet");
    webPod("quiet");
    fx.kubelet.script("quiet", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));
    fx.cluster.namespace("leaky");
    webPod("leaky");
    fx.kubelet.script("leaky", (k, job) -> k.terminated(job, ProbeFacts.EXPOSED, 0));

    Map<String, NamespaceResult> by = byNamespace(fx.sweep(Map.of()));

    NamespaceResult quiet = by.get("quiet");
    assertThat(quiet.judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(quiet.policy().drift()).as("decided, and in agreement with the probe").isEmpty();
    assertThat(quiet.policy().unknownKinds()).isEmpty();
    assertThat(quiet.policy().undecided()).isEmpty();
    assertThat(quiet.policy().probeAllowed()).isEqualTo(Outcome.DENIED);
    assertThat(quiet.policy().targets()).allMatch(t -> t.probe() == Outcome.DENIED);
    assertThat(quiet.policy().mayReach()).as("web is denied by the ANP").isEmpty();

    NamespaceResult leaky = by.get("leaky");
    assertThat(leaky.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(leaky.policy().drift())
        .as("the ANP denies, the probe reached it: the CNI does not enforce it")
        .containsExactly(Drift.NOT_ENFORCED);
  }

  @Test
  @DisplayName(
      "an ANP selecting namespaces by a label: the labelled namespace is denied, the other is"
          + " decided by its NetworkPolicies alone (no egress policy: its web may reach)")
  void namespaceLabels() throws Exception {
    servesAdminPolicies();
    anp(
        "deny-imds-labelled",
        "{namespaces: {matchLabels: {imds: deny}}}",
        "Deny",
        METADATA_NETWORKS);
    fx.cluster.namespace("labelled", Map.of("imds", "deny"), Map.of());
    webPod("labelled");
    fx.kubelet.script("labelled", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));
    fx.cluster.namespace("open");
    webPod("open");
    fx.kubelet.script("open", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));

    Map<String, NamespaceResult> by = byNamespace(fx.sweep(Map.of()));

    assertThat(by.get("labelled").policy().probeAllowed()).isEqualTo(Outcome.DENIED);
    assertThat(by.get("labelled").policy().mayReach()).isEmpty();
    NamespaceResult open = by.get("open");
    assertThat(open.policy().probeAllowed()).isEqualTo(Outcome.ALLOWED);
    assertThat(open.policy().drift()).contains(Drift.BLOCKED_ELSEWHERE);
    assertThat(open.policy().mayReach()).containsExactly("ReplicaSet/web-5d8f by no egress policy");
  }

  @Test
  @DisplayName(
      "an ANP with a bad CIDR: named invalid in every namespace, never a deny (the prediction is"
          + " unknown, not protected)")
  void invalidAnp() throws Exception {
    servesAdminPolicies();
    anp("typo", "{namespaces: {}}", "Deny", "[169.254.169.254/33]");
    fx.cluster.namespace("team");
    webPod("team");
    fx.kubelet.script("team", (k, job) -> k.terminated(job, ProbeFacts.EXPOSED, 0));

    NamespaceResult team = byNamespace(fx.sweep(Map.of())).get("team");

    assertThat(team.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(team.policy().invalid())
        .singleElement()
        .asString()
        .startsWith("AdminNetworkPolicy typo: spec.egress[0].to[0].networks:");
    assertThat(team.policy().drift())
        .contains(Drift.INVALID, Drift.INCOMPLETE)
        .doesNotContain(Drift.NOT_ENFORCED);
    assertThat(team.policy().probeAllowed()).isEqualTo(Outcome.UNKNOWN);
    assertThat(team.policy().undecided())
        .anySatisfy(u -> assertThat(u).startsWith("AdminNetworkPolicy typo is invalid"));
  }

  @Test
  @DisplayName(
      "an ANP over policy.maxBytesPerPolicy: not read, every namespace incomplete with the policy"
          + " and the cap named; the probe's verdict stands")
  void heavyAnp() throws Exception {
    servesAdminPolicies();
    String many =
        java.util.stream.IntStream.range(0, 200)
            .mapToObj(i -> "10." + (i / 250) + "." + (i % 250) + ".0/24")
            .collect(Collectors.joining(", ", "[", "]"));
    anp("heavy", "{namespaces: {}}", "Deny", many);
    fx.cluster.namespace("team");
    webPod("team");
    fx.kubelet.script("team", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));

    NamespaceResult team =
        byNamespace(fx.sweep(Map.of("policy.maxBytesPerPolicy", "2048"))).get("team");

    assertThat(team.judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(team.policy().drift()).contains(Drift.INCOMPLETE);
    assertThat(team.policy().unknownKinds())
        .singleElement()
        .asString()
        .startsWith("AdminNetworkPolicy heavy: ")
        .endsWith("bytes, over policy.maxBytesPerPolicy (2048): not evaluated");
  }

  @Test
  @DisplayName(
      "namespaces not listable: the ANP is not evaluated (its subject selects by their labels),"
          + " named in every namespace as incomplete; never predicted denied")
  void namespacesNotListable() throws Exception {
    servesAdminPolicies();
    anp("deny-imds", "{namespaces: {}}", "Deny", METADATA_NETWORKS);
    fx.cluster.namespace("team");
    webPod("team");
    fx.kubelet.script("team", (k, job) -> k.terminated(job, ProbeFacts.EXPOSED, 0));
    fx.cluster
        .server
        .expect()
        .get()
        .withPath("/api/v1/namespaces?limit=50")
        .andReturn(403, MockCluster.status(403, "Forbidden", "namespaces is forbidden"))
        .always();

    NamespaceResult team = byNamespace(fx.sweep(Map.of())).get("team");

    assertThat(team.judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(team.policy().unknownKinds())
        .containsExactly(
            "AdminNetworkPolicy deny-imds: namespaces not listable (their labels select its"
                + " subject): not evaluated");
    assertThat(team.policy().drift()).contains(Drift.INCOMPLETE).doesNotContain(Drift.NOT_ENFORCED);
  }
}
