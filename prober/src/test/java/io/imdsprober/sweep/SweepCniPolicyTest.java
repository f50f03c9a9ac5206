package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.imdsprober.policy.Comparison.Drift;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.verdict.Verdict;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Sweeps in clusters protected the CNI's way (a CiliumClusterwideNetworkPolicy, a Calico
 * GlobalNetworkPolicy): the live listing keeps those kinds' specs, the prediction is decided, not
 * {@code incomplete}; a rule that cannot be decided for an IP makes only the namespace whose pods
 * it selects incomplete, naming it; a CNI that does not enforce its own rule is named.
 */
class SweepCniPolicyTest extends SweepTestCase {
  static final String CILIUM = "cilium.io/v2";

  void servesCilium() {
    fx.cluster.serves(
        CILIUM, Map.of("ciliumnetworkpolicies", true, "ciliumclusterwidenetworkpolicies", false));
  }

  void cilium(String kind, String namespace, String name, String spec) {
    GenericKubernetesResource r =
        SweepAdminPolicyTest.YAML.unmarshal(
            "apiVersion: "
                + CILIUM
                + "\nkind: "
                + kind
                + "\nmetadata: {name: "
                + name
                + (namespace == null ? "" : ", namespace: " + namespace)
                + "}\nspec: "
                + spec
                + "\n",
            GenericKubernetesResource.class);
    boolean namespaced = namespace != null;
    var resource =
        fx.cluster.admin.genericKubernetesResources(
            new ResourceDefinitionContext.Builder()
                .withGroup("cilium.io")
                .withVersion("v2")
                .withKind(kind)
                .withPlural(kind.toLowerCase(java.util.Locale.ROOT).replaceAll("y$", "ies"))
                .withNamespaced(namespaced)
                .build());
    (namespaced ? resource.inNamespace(namespace) : resource).resource(r).create();
  }

  void webPod(String ns) {
    SweepAdminPolicyTest.webPod(fx, ns);
  }

  /** The documented way to deny the metadata service only, cluster-wide, in Cilium. */
  static final String DENY_METADATA_ONLY =
      "{endpointSelector: {}, enableDefaultDeny: {egress: false, ingress: false},"
          + " egressDeny: [{toCIDR: [169.254.169.254/32, \"fd00:ec2::254/128\","
          + " 168.63.129.16/32, 100.100.100.200/32]}]}";

  @Test
  @DisplayName(
      "only a CiliumClusterwideNetworkPolicy that denies the metadata addresses: predicted"
          + " denied, not incomplete; a probe that reached the endpoint anyway is not-enforced")
  void ciliumClusterwideDeny() throws Exception {
    servesCilium();
    cilium("CiliumClusterwideNetworkPolicy", null, "deny-imds", DENY_METADATA_ONLY);
    fx.cluster.namespace("quiet");
    webPod("quiet");
    fx.kubelet.script("quiet", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));
    fx.cluster.namespace("leaky");
    webPod("leaky");
    fx.kubelet.script("leaky", (k, job) -> k.terminated(job, ProbeFacts.EXPOSED, 0));

    Map<String, NamespaceResult> by = SweepPolicyTest.byNamespace(fx.sweep(Map.of()));

    NamespaceResult quiet = by.get("quiet");
    assertThat(quiet.judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(quiet.policy().unknownKinds()).isEmpty();
    assertThat(quiet.policy().undecided()).isEmpty();
    assertThat(quiet.policy().drift()).isEmpty();
    assertThat(quiet.policy().probeAllowed()).isEqualTo(Outcome.DENIED);
    assertThat(quiet.policy().mayReach()).isEmpty();

    assertThat(by.get("leaky").policy().drift()).containsExactly(Drift.NOT_ENFORCED);
  }

  @Test
  @DisplayName(
      "a toFQDNs rule in one namespace makes that namespace's web undecided, named (kind ns/name,"
          + " rule, field); the other namespace stays decided")
  void undecidedOnlyWhereItSelects() throws Exception {
    servesCilium();
    cilium("CiliumClusterwideNetworkPolicy", null, "deny-imds", DENY_METADATA_ONLY);
    cilium(
        "CiliumNetworkPolicy",
        "fqdn",
        "to-api",
        "{endpointSelector: {matchLabels: {app: web}},"
            + " egress: [{toFQDNs: [{matchName: api.example.com}]}]}");
    fx.cluster.namespace("fqdn");
    webPod("fqdn");
    fx.kubelet.script("fqdn", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));
    fx.cluster.namespace("plain");
    webPod("plain");
    fx.kubelet.script("plain", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));

    Map<String, NamespaceResult> by = SweepPolicyTest.byNamespace(fx.sweep(Map.of()));

    // the deny-only CCNP denies the metadata addresses whatever toFQDNs allows (deny over allow):
    // decided for every pod, in both namespaces
    assertThat(by.get("fqdn").policy().probeAllowed()).isEqualTo(Outcome.DENIED);
    assertThat(by.get("plain").policy().undecided()).isEmpty();
    assertThat(by.get("plain").policy().drift()).isEmpty();
  }

  @Test
  @DisplayName(
      "without the deny, a toFQDNs rule selecting web leaves web undecided in its namespace only:"
          + " that namespace is incomplete with the rule named; the other namespace is decided")
  void toFqdnsWithoutDeny() throws Exception {
    servesCilium();
    cilium(
        "CiliumNetworkPolicy",
        "fqdn",
        "to-api",
        "{endpointSelector: {matchLabels: {app: web}},"
            + " egress: [{toFQDNs: [{matchName: api.example.com}]}]}");
    fx.cluster.namespace("fqdn");
    webPod("fqdn");
    fx.kubelet.script("fqdn", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));
    fx.cluster.namespace("plain");
    webPod("plain");
    fx.kubelet.script("plain", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));

    Map<String, NamespaceResult> by = SweepPolicyTest.byNamespace(fx.sweep(Map.of()));

    NamespaceResult fqdn = by.get("fqdn");
    assertThat(fqdn.policy().drift()).contains(Drift.INCOMPLETE);
    assertThat(fqdn.policy().undecided())
        .anySatisfy(
            u ->
                assertThat(u)
                    .contains("CiliumNetworkPolicy fqdn/to-api")
                    .contains("egress[0]")
                    .contains("toFQDNs"));
    NamespaceResult plain = by.get("plain");
    assertThat(plain.policy().undecided()).isEmpty();
    assertThat(plain.policy().drift()).doesNotContain(Drift.INCOMPLETE);
    assertThat(plain.policy().mayReach())
        .containsExactly("ReplicaSet/web-5d8f by no egress policy");
  }

  void calico(String kind, String namespace, String name, String spec) {
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
    var resource =
        fx.cluster.admin.genericKubernetesResources(
            new ResourceDefinitionContext.Builder()
                .withGroup("projectcalico.org")
                .withVersion("v3")
                .withKind(kind)
                .withPlural(kind.toLowerCase(java.util.Locale.ROOT).replaceAll("y$", "ie") + "s")
                .withNamespaced(namespace != null)
                .build());
    (namespace != null ? resource.inNamespace(namespace) : resource).resource(r).create();
  }

  @Test
  @DisplayName(
      "Calico: a GlobalNetworkPolicy in tier security (order 100) denying the metadata addresses"
          + " for every pod (IPv4 and IPv6 in separate rules, as Calico requires), then Pass:"
          + " predicted denied, not incomplete; a staged allow-all before it never decides")
  void calicoGlobalDeny() throws Exception {
    fx.cluster.serves(
        "projectcalico.org/v3",
        Map.of(
            "networkpolicies", true,
            "globalnetworkpolicies", false,
            "tiers", false,
            "stagedglobalnetworkpolicies", false));
    calico("Tier", null, "security", "{order: 100}");
    calico(
        "GlobalNetworkPolicy",
        null,
        "security.deny-imds",
        "{tier: security, order: 10, selector: all(), types: [Egress], egress: [{action: Deny,"
            + " destination: {nets: [169.254.169.254/32, 168.63.129.16/32, 100.100.100.200/32]}},"
            + " {action: Deny, destination: {nets: [\"fd00:ec2::254/128\"]}}, {action: Pass}]}");
    calico(
        "StagedGlobalNetworkPolicy",
        null,
        "security.allow-all",
        "{tier: security, order: 1, selector: all(), types: [Egress], egress: [{action:"
            + " Allow}]}");
    fx.cluster.namespace("shop");
    webPod("shop");
    fx.kubelet.script("shop", (k, job) -> k.terminated(job, ProbeFacts.PROTECTED, 0));

    NamespaceResult shop = SweepPolicyTest.byNamespace(fx.sweep(Map.of())).get("shop");

    assertThat(shop.judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(shop.policy().unknownKinds()).isEmpty();
    assertThat(shop.policy().undecided()).isEmpty();
    assertThat(shop.policy().drift()).isEmpty();
    assertThat(shop.policy().probeAllowed()).isEqualTo(Outcome.DENIED);
    assertThat(shop.policy().mayReach()).isEmpty();
  }
}
