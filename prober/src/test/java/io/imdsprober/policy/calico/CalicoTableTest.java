package io.imdsprober.policy.calico;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.chain.ClusterTiers;
import io.imdsprober.policy.chain.PolicyChain.Said;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Calico's egress semantics through the precedence chain, one row per documented behaviour: the
 * objects (as a manifest set writes them), the pod ({@code shop}, {@code app: web}), the
 * destination, and the chain's answer with the rule that said it or the reason it could not.
 * Sources, cited per row (docs.tigera.io/calico/latest/...):
 *
 * <ul>
 *   <li>[TIER] reference/resources/tier ("How policy is evaluated": tiers by order; Allow and Deny
 *       end it, Pass goes to the next tier; a tier that selects the endpoint and takes no action
 *       drops, unless its defaultAction is Pass; order: no value = lowest precedence);
 *   <li>[TIERED] network-policy/policy-tiers/tiered-policy (the default tier, order 1,000,000;
 *       implicit default deny; "if no policies within a tier apply to endpoints, the tier is
 *       skipped"; default endpoint behaviour: a Kubernetes workload may send all egress);
 *   <li>[NP] reference/resources/networkpolicy (order, lowest first; namespaced: only its
 *       namespace's endpoints; the {@code types} defaults table; serviceAccountSelector);
 *   <li>[GNP] reference/resources/globalnetworkpolicy (namespaceSelector by namespace labels and
 *       {@code projectcalico.org/name}; {@code projectcalico.org/namespace} in the selector;
 *       doNotTrack/preDNAT/applyOnForward "meaningful only when applying policy to a host
 *       endpoint", a workload endpoint's policy enforced as usual);
 *   <li>[RULE] reference/resources/networkpolicy#rule (rules in order; Log continues; protocol,
 *       notProtocol, ipVersion);
 *   <li>[ENTITY] reference/resources/networkpolicy#entityrule (nets, notNets; selectors match
 *       endpoints and network sets; notSelector; namespaceSelector and global(); services);
 *   <li>[PORTS] reference/resources/networkpolicy#ports (80, "6040:6050", named ports);
 *   <li>[SETS] reference/resources/globalnetworkset, networkset;
 *   <li>[STAGED] reference/resources/stagedglobalnetworkpolicy (staged policies do not enforce);
 *   <li>[KNP] projectcalico/calico libcalico-go/lib/backend/k8s/conversion/conversion.go
 *       (K8sNetworkPolicyToCalico: "We insert all the NetworkPolicy Policies at order 1000.0",
 *       named {@code knp.default.<name>}, default tier);
 *   <li>[WEP] the same conversion package: endpoint labels {@code projectcalico.org/namespace},
 *       {@code projectcalico.org/serviceaccount}, profile labels {@code pcns.}, {@code pcsa.};
 *   <li>[VAL] libcalico-go/lib/validator/v3/validator.go (ports need a protocol with ports; v4 and
 *       v6 CIDRs not mixed in a rule; global() only in a rule's namespaceSelector).
 * </ul>
 *
 * No packet is sent: the addresses are data.
 */
class CalicoTableTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final String IMDS = "169.254.169.254:80/TCP";
  static final String WEB = "93.184.215.14:443/TCP";

  static String gnp(String name, String spec) {
    return "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: "
        + name
        + "}\nspec: "
        + spec
        + "\n";
  }

  static String cnp(String namespace, String name, String spec) {
    return "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: "
        + name
        + ", namespace: "
        + namespace
        + "}\nspec: "
        + spec
        + "\n";
  }

  static String tier(String name, String spec) {
    return "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: "
        + name
        + "}\nspec: "
        + spec
        + "\n";
  }

  /** The documented "deny the metadata address, pass the rest" shape. */
  static final String DENY_IMDS =
      gnp(
          "deny-imds",
          "{order: 100, selector: all(), types: [Egress], egress: [{action: Deny, destination:"
              + " {nets: [169.254.169.254/32]}}, {action: Deny, destination: {nets:"
              + " ['fd00:ec2::254/128']}}, {action: Pass}]}");

  static final String NP_ALLOW_ALL =
      """
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: allow-all, namespace: shop}
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
      """;
  static final String NP_DENY_ALL =
      """
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-all, namespace: shop}
      spec: {podSelector: {}, policyTypes: [Egress]}
      """;
  static final String NP_INTERNAL =
      """
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: internal, namespace: shop}
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
      """;
  static final String DB_ONLY = gnp("db-only", "{selector: app == 'db', egress: [{action: Deny}]}");
  static final String GNS_METADATA =
      """
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkSet
      metadata: {name: metadata, labels: {role: metadata}}
      spec: {nets: [169.254.169.254/32]}
      """;
  static final String SHOP_NS =
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}\n";

  static String egress(String name, int order, String rules) {
    return gnp(
        name, "{order: " + order + ", selector: all(), types: [Egress], egress: " + rules + "}");
  }

  /**
   * One row.
   *
   * @param word the rule that said it (allowed or denied), a fragment of the undecided reason
   *     (unknown), or empty when nothing (or NetworkPolicy's own union with no rule) decided
   */
  record Row(
      String shape, List<String> docs, String account, String to, Outcome outcome, String word) {
    @Override
    public String toString() {
      return shape;
    }
  }

  static Row row(String shape, String to, Outcome o, String word, String... docs) {
    return new Row(shape, List.of(docs), null, to, o, word);
  }

  static Row rowAs(
      String account, String shape, String to, Outcome o, String word, String... docs) {
    return new Row(shape, List.of(docs), account, to, o, word);
  }

  static Stream<Arguments> rows() {
    String tierEnd = "Tier default defaultAction Deny";
    return Stream.of(
            // [TIERED] "Pass action rule example"; [RULE] Deny is final
            row(
                "GNP Deny 169.254.169.254/32 then Pass: denied",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy deny-imds egress[0]",
                DENY_IMDS),
            row(
                "the same GNP denies the IPv6 metadata address",
                "[fd00:ec2::254]:80/TCP",
                Outcome.DENIED,
                "GlobalNetworkPolicy deny-imds egress[1]",
                DENY_IMDS),
            // [TIER] the last tier passes: the profiles decide; [TIERED] k8s workloads: all egress
            row(
                "the same GNP passes other destinations: the profiles allow",
                WEB,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy deny-imds egress[2]",
                DENY_IMDS),
            // [TIERED] "Implicit default deny"
            row(
                "a GNP with only a Deny rule: other destinations end the tier, denied",
                WEB,
                Outcome.DENIED,
                tierEnd,
                egress(
                    "only-deny", 100, "[{action: Deny, destination: {nets: [169.254.0.0/16]}}]")),
            // [KNP] Kubernetes NetworkPolicies are the default tier's, order 1000
            row(
                "GNP order 100 Deny beats a NetworkPolicy allowing 0.0.0.0/0",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy deny-imds egress[0]",
                DENY_IMDS,
                NP_ALLOW_ALL),
            row(
                "GNP order 100 Allow beats NetworkPolicy isolation",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy allow-imds egress[0]",
                egress(
                    "allow-imds", 100, "[{action: Allow, destination: {nets: [169.254.0.0/16]}}]"),
                NP_DENY_ALL),
            row(
                "a NetworkPolicy (order 1000) allows before a GNP at order 2000 denies",
                IMDS,
                Outcome.ALLOWED,
                "shop/allow-all egress[0]",
                egress("late-deny", 2000, "[{action: Deny}]"),
                NP_ALLOW_ALL),
            row(
                "a NetworkPolicy that does not hold the address: the next policy (order 2000)"
                    + " decides",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy late-deny egress[0]",
                egress(
                    "late-deny", 2000, "[{action: Deny, destination: {nets: [169.254.0.0/16]}}]"),
                NP_INTERNAL),
            row(
                "a NetworkPolicy isolating the pod, no Calico rule holds: the default tier denies",
                IMDS,
                Outcome.DENIED,
                tierEnd + ": the NetworkPolicies of shop",
                NP_DENY_ALL,
                DB_ONLY),
            // [TIERED] "if no policies within a tier apply to endpoints, the tier is skipped"
            row(
                "no policy selects the pod: the profiles allow",
                IMDS,
                Outcome.ALLOWED,
                "",
                DB_ONLY),
            // [TIER] tiers by order
            row(
                "tier security (order 100) denies before the default tier's NetworkPolicy allows",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy security.deny egress[0]",
                tier("security", "{order: 100}"),
                gnp(
                    "security.deny",
                    "{tier: security, selector: all(), types: [Egress], egress:"
                        + " [{action: Deny, destination: {nets: [169.254.169.254/32]}}, {action: Pass}]}"),
                NP_ALLOW_ALL),
            row(
                "tier security Allow beats a default-tier Deny",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy security.allow egress[0]",
                tier("security", "{order: 100}"),
                gnp(
                    "security.allow",
                    "{tier: security, selector: all(), egress: [{action: Allow}]}"),
                DENY_IMDS),
            row(
                "tier security Pass: the default tier decides",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy deny-imds egress[0]",
                tier("security", "{order: 100}"),
                gnp("security.pass", "{tier: security, selector: all(), egress: [{action: Pass}]}"),
                DENY_IMDS),
            row(
                "tier security selects the pod and no rule holds: its defaultAction Deny",
                IMDS,
                Outcome.DENIED,
                "Tier security defaultAction Deny",
                tier("security", "{order: 100}"),
                gnp(
                    "security.internal",
                    "{tier: security, selector: all(), egress: [{action:"
                        + " Allow, destination: {nets: [10.0.0.0/8]}}]}")),
            row(
                "the same tier with defaultAction Pass: on to the default tier, then the profiles",
                IMDS,
                Outcome.ALLOWED,
                "",
                tier("security", "{order: 100, defaultAction: Pass}"),
                gnp(
                    "security.internal",
                    "{tier: security, selector: all(), egress: [{action:"
                        + " Allow, destination: {nets: [10.0.0.0/8]}}]}")),
            row(
                "tiers by order: order 100 Deny before order 200 Allow",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy b.deny egress[0]",
                tier("a", "{order: 200}"),
                tier("b", "{order: 100}"),
                gnp("a.allow", "{tier: a, selector: all(), egress: [{action: Allow}]}"),
                gnp("b.deny", "{tier: b, selector: all(), egress: [{action: Deny}]}")),
            row(
                "a tier without order comes after an ordered one",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy a.allow egress[0]",
                tier("a", "{order: 10}"),
                tier("z", "{}"),
                gnp("a.allow", "{tier: a, selector: all(), egress: [{action: Allow}]}"),
                gnp("z.deny", "{tier: z, selector: all(), egress: [{action: Deny}]}")),
            row(
                "a policy of a tier not among the objects: undecided, the tier named",
                IMDS,
                Outcome.UNKNOWN,
                "GlobalNetworkPolicy platform.deny spec.tier 'platform': no Tier",
                gnp(
                    "platform.deny",
                    "{tier: platform, selector: all(), egress: [{action: Deny}]}")),
            // [NP] order: lowest first; no order after every ordered one; equal: by name
            row(
                "order 10 Allow beats order 20 Deny",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy first egress[0]",
                egress("second", 20, "[{action: Deny}]"),
                egress("first", 10, "[{action: Allow}]")),
            row(
                "a policy without order comes after order 500",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy ordered egress[0]",
                gnp("unordered", "{selector: all(), egress: [{action: Deny}]}"),
                egress("ordered", 500, "[{action: Allow}]")),
            row(
                "equal orders: by name",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy a-allow egress[0]",
                egress("b-deny", 100, "[{action: Deny}]"),
                egress("a-allow", 100, "[{action: Allow}]")),
            // [RULE] rules in order; Log continues
            row(
                "within a policy the first rule that holds decides",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy ordered egress[0]",
                egress(
                    "ordered",
                    1,
                    "[{action: Allow, destination: {nets: [169.254.169.254/32]}},"
                        + " {action: Deny}]")),
            row(
                "Log goes on to the next rule",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy logged egress[1]",
                egress("logged", 1, "[{action: Log}, {action: Deny}]")),
            // [NP] types defaults
            row(
                "no types and only ingress rules: Ingress only, egress untouched",
                IMDS,
                Outcome.ALLOWED,
                "",
                gnp("ingress-only", "{selector: all(), ingress: [{action: Deny}]}")),
            row(
                "types [Egress] without egress rules: the tier denies",
                IMDS,
                Outcome.DENIED,
                "Tier default defaultAction Deny: GlobalNetworkPolicy default-deny",
                gnp("default-deny", "{selector: all(), types: [Egress]}")),
            row(
                "no types and egress rules: Egress",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy inferred egress[0]",
                gnp("inferred", "{selector: all(), egress: [{action: Deny}]}")),
            // [ENTITY] notNets
            row(
                "Allow notNets 169.254.0.0/16: the metadata address ends the tier",
                IMDS,
                Outcome.DENIED,
                tierEnd,
                egress(
                    "not-link-local",
                    1,
                    "[{action: Allow, destination: {notNets:" + " [169.254.0.0/16]}}]")),
            row(
                "the same rule allows other destinations",
                WEB,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy not-link-local egress[0]",
                egress(
                    "not-link-local",
                    1,
                    "[{action: Allow, destination: {notNets:" + " [169.254.0.0/16]}}]")),
            // [PORTS] numbers, ranges, named ports; [RULE] protocol
            row(
                "TCP port 80 holds 169.254.169.254:80/TCP",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy p80 egress[0]",
                egress(
                    "p80",
                    1,
                    "[{action: Deny, protocol: TCP, destination: {nets:"
                        + " [169.254.169.254/32], ports: [80]}}, {action: Pass}]")),
            row(
                "TCP port 80 does not hold 169.254.169.254:53/UDP",
                "169.254.169.254:53/UDP",
                Outcome.ALLOWED,
                "GlobalNetworkPolicy p80 egress[1]",
                egress(
                    "p80",
                    1,
                    "[{action: Deny, protocol: TCP, destination: {nets:"
                        + " [169.254.169.254/32], ports: [80]}}, {action: Pass}]")),
            row(
                "range '1:1024' holds port 80",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy range egress[0]",
                egress(
                    "range",
                    1,
                    "[{action: Deny, protocol: TCP, destination: {ports:"
                        + " ['1:1024']}}, {action: Pass}]")),
            row(
                "a named port never holds an IP destination",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy named egress[1]",
                egress(
                    "named",
                    1,
                    "[{action: Deny, protocol: TCP, destination: {ports: [http]}},"
                        + " {action: Pass}]")),
            row(
                "notPorts [80] does not hold port 80",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy notports egress[1]",
                egress(
                    "notports",
                    1,
                    "[{action: Deny, protocol: TCP, destination: {notPorts:"
                        + " [80]}}, {action: Pass}]")),
            row(
                "protocol UDP does not hold TCP",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy udp egress[1]",
                egress("udp", 1, "[{action: Deny, protocol: UDP}, {action: Pass}]")),
            row(
                "protocol 6 (a number) holds TCP",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy six egress[0]",
                egress("six", 1, "[{action: Deny, protocol: 6}, {action: Pass}]")),
            row(
                "notProtocol TCP does not hold TCP",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy nottcp egress[1]",
                egress("nottcp", 1, "[{action: Deny, notProtocol: TCP}, {action: Pass}]")),
            row(
                "ipVersion 6 does not hold an IPv4 address",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy v6 egress[1]",
                egress("v6", 1, "[{action: Deny, ipVersion: 6}, {action: Pass}]")),
            // [ENTITY] selectors match endpoints and network sets, never another address
            row(
                "a destination selector holds no metadata address when no network set does",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy sel egress[1]",
                egress(
                    "sel",
                    1,
                    "[{action: Allow, destination: {selector: all()}}," + " {action: Deny}]")),
            row(
                "a GlobalNetworkSet holding the address, selected by role: denied",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy by-set egress[0]",
                egress(
                    "by-set",
                    1,
                    "[{action: Deny, destination: {selector: role =="
                        + " 'metadata'}}, {action: Pass}]"),
                GNS_METADATA),
            row(
                "a namespaced NetworkPolicy's selector scope is its namespace: a global set is"
                    + " not held",
                IMDS,
                Outcome.DENIED,
                "NetworkPolicy.projectcalico.org shop/np-set egress[1]",
                cnp(
                    "shop",
                    "np-set",
                    "{selector: all(), egress: [{action: Allow, destination:"
                        + " {selector: role == 'metadata'}}, {action: Deny}]}"),
                GNS_METADATA),
            row(
                "namespaceSelector global() brings the global set into its scope",
                IMDS,
                Outcome.ALLOWED,
                "NetworkPolicy.projectcalico.org shop/np-global egress[0]",
                cnp(
                    "shop",
                    "np-global",
                    "{selector: all(), egress: [{action: Allow, destination:"
                        + " {namespaceSelector: global(), selector: role == 'metadata'}}, {action:"
                        + " Deny}]}"),
                GNS_METADATA),
            row(
                "notSelector excludes the set's addresses",
                IMDS,
                Outcome.DENIED,
                tierEnd,
                egress(
                    "not-set",
                    1,
                    "[{action: Allow, destination: {notSelector: role ==" + " 'metadata'}}]"),
                GNS_METADATA),
            row(
                "destination.services: undecided, the rule and field named",
                IMDS,
                Outcome.UNKNOWN,
                "GlobalNetworkPolicy svc egress[0].destination.services",
                egress(
                    "svc",
                    1,
                    "[{action: Allow, destination: {services: {name: api,"
                        + " namespace: default}}}, {action: Deny}]")),
            row(
                "destination.services ruled out by its protocol: the next rule decides",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy svc-udp egress[1]",
                egress(
                    "svc-udp",
                    1,
                    "[{action: Allow, protocol: UDP, destination: {services:"
                        + " {name: dns, namespace: kube-system}}}, {action: Deny}]")),
            // [NP] a namespaced policy selects only its namespace's endpoints
            row(
                "a Calico NetworkPolicy of another namespace does not select the pod",
                IMDS,
                Outcome.ALLOWED,
                "",
                cnp("other", "deny", "{selector: all(), egress: [{action: Deny}]}")),
            row(
                "a Calico NetworkPolicy of the pod's namespace selects it",
                IMDS,
                Outcome.DENIED,
                "NetworkPolicy.projectcalico.org shop/deny egress[0]",
                cnp("shop", "deny", "{selector: app == 'web', egress: [{action: Deny}]}")),
            // [GNP] namespaceSelector, projectcalico.org/namespace
            row(
                "GNP namespaceSelector by a namespace label (Namespace given)",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy prod egress[0]",
                gnp("prod", "{namespaceSelector: env == 'prod', egress: [{action: Deny}]}"),
                SHOP_NS),
            row(
                "GNP namespaceSelector projectcalico.org/name of another namespace: no effect",
                IMDS,
                Outcome.ALLOWED,
                "",
                gnp(
                    "other-ns",
                    "{namespaceSelector: projectcalico.org/name == 'other', egress:"
                        + " [{action: Deny}]}")),
            row(
                "GNP selector projectcalico.org/namespace == 'shop' (a workload endpoint label)",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy shop-only egress[0]",
                gnp(
                    "shop-only",
                    "{selector: projectcalico.org/namespace == 'shop', egress:"
                        + " [{action: Deny}]}")),
            row(
                "[WEP] GNP selector on pcns. namespace labels",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy pcns egress[0]",
                gnp("pcns", "{selector: pcns.env == 'prod', egress: [{action: Deny}]}"),
                SHOP_NS),
            // [NP] serviceAccountSelector
            rowAs(
                "web",
                "serviceAccountSelector by the account's labels (ServiceAccount given)",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy sa egress[0]",
                gnp("sa", "{serviceAccountSelector: team == 'a', egress: [{action: Deny}]}"),
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop,"
                    + " labels: {team: a}}\n"),
            row(
                "serviceAccountSelector, the pod's account not known: undecided",
                IMDS,
                Outcome.UNKNOWN,
                "GlobalNetworkPolicy sa: selects by the pod's service account",
                gnp("sa", "{serviceAccountSelector: team == 'a', egress: [{action: Deny}]}")),
            rowAs(
                "web",
                "serviceAccountSelector by projectcalico.org/name, labels not given",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy sa-name egress[0]",
                gnp(
                    "sa-name",
                    "{serviceAccountSelector: projectcalico.org/name == 'web', egress:"
                        + " [{action: Deny}]}")),
            rowAs(
                "web",
                "[WEP] selector on projectcalico.org/serviceaccount",
                IMDS,
                Outcome.ALLOWED,
                "",
                gnp(
                    "other-sa",
                    "{selector: projectcalico.org/serviceaccount == 'db', egress:"
                        + " [{action: Deny}]}")),
            // [GNP] host endpoints only
            row(
                "preDNAT and doNotTrack policies apply to host endpoints only: no effect",
                IMDS,
                Outcome.ALLOWED,
                "",
                gnp(
                    "untracked",
                    "{doNotTrack: true, applyOnForward: true, selector: all(),"
                        + " egress: [{action: Deny}]}")),
            row(
                "applyOnForward alone: a workload endpoint's policy as usual",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy forward egress[0]",
                gnp(
                    "forward",
                    "{applyOnForward: true, selector: all(), egress: [{action:" + " Deny}]}")),
            // [STAGED] staged kinds never enforce
            row(
                "a StagedGlobalNetworkPolicy Deny: not enforced",
                IMDS,
                Outcome.ALLOWED,
                "",
                "apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata:"
                    + " {name: staged}\nspec: {selector: all(), egress: [{action: Deny}]}\n",
                DB_ONLY),
            // crd.projectcalico.org/v1 as the API server stores it: tier-prefixed names
            row(
                "crd.projectcalico.org/v1 GlobalNetworkPolicy default.deny-imds",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy default.deny-imds egress[0]",
                "apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name:"
                    + " default.deny-imds}\nspec: {order: 100, selector: all(), egress: [{action:"
                    + " Deny, destination: {nets: [169.254.169.254/32]}}, {action: Pass}]}\n"),
            // [ENTITY] an egress rule's source is the pod
            row(
                "an egress rule whose source selector does not select the pod does not hold",
                IMDS,
                Outcome.ALLOWED,
                "GlobalNetworkPolicy src egress[1]",
                egress(
                    "src",
                    1,
                    "[{action: Deny, source: {selector: app == 'db'}}," + " {action: Pass}]")),
            row(
                "source.nets: the pod's address is not known, undecided",
                IMDS,
                Outcome.UNKNOWN,
                "GlobalNetworkPolicy srcnet egress[0].source.nets",
                egress("srcnet", 1, "[{action: Deny, source: {nets: [10.0.0.0/8]}}]")),
            // Bad input: invalid (named), never allows or denies; the rest is evaluated
            row(
                "a selector that does not parse: invalid, its pods undecided",
                IMDS,
                Outcome.UNKNOWN,
                "spec.selector 'app = web' does not parse",
                gnp("bad-sel", "{selector: app = web, egress: [{action: Allow}]}"),
                NP_DENY_ALL),
            row(
                "an unknown action: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "spec.egress[0].action 'Drop' is not Allow, Deny, Log or Pass",
                egress("drop", 1, "[{action: Drop}]")),
            row(
                "a bad CIDR: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "'169.254.169.254/33': prefix 33 is outside 0-32",
                egress("cidr", 1, "[{action: Deny, destination: {nets: [169.254.169.254/33]}}]"),
                NP_ALLOW_ALL),
            row(
                "a port out of range: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "port 70000 is outside",
                egress(
                    "port",
                    1,
                    "[{action: Deny, protocol: TCP, destination: {ports:" + " [70000]}}]")),
            row(
                "ports without a protocol that has ports: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "protocol does not support ports",
                egress("noproto", 1, "[{action: Deny, destination: {ports: [80]}}]")),
            row(
                "IPv4 and IPv6 CIDRs in one rule: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "rule contains both IPv4 and IPv6 CIDRs",
                egress(
                    "mixed",
                    1,
                    "[{action: Deny, destination: {nets: [169.254.169.254/32,"
                        + " 'fd00:ec2::254/128']}}]")),
            row(
                "global() in a policy selector: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "global() is only valid alone",
                gnp("glob", "{selector: global(), egress: [{action: Deny}]}")),
            row(
                "an invalid policy whose selector does not select the pod: no effect",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy deny-imds egress[0]",
                gnp("db-bad", "{order: 1, selector: app == 'db', egress: [{action: Drop}]}"),
                DENY_IMDS),
            row(
                "an invalid policy after a decisive one: the decision stands",
                IMDS,
                Outcome.DENIED,
                "GlobalNetworkPolicy deny-imds egress[0]",
                egress("later-bad", 500, "[{action: Drop}]"),
                DENY_IMDS),
            row(
                "a Tier with an unknown defaultAction: its policies undecided",
                IMDS,
                Outcome.UNKNOWN,
                "Tier security is invalid: spec.defaultAction 'Allow'",
                tier("security", "{order: 100, defaultAction: Allow}"),
                gnp("security.x", "{tier: security, selector: all(), egress: [{action: Pass}]}")))
        .map(Arguments::of);
  }

  static Said decide(Row r) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : r.docs()) {
      objects.add((HasMetadata) YAML.unmarshal(doc, KubernetesResource.class));
    }
    List<NetworkPolicy> nps = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof NetworkPolicy p) {
        nps.add(p);
      }
    }
    ClusterTiers tiers = ClusterTiers.of(objects);
    return tiers
        .chain(new EgressPolicies(nps))
        .decide(
            tiers.subject("shop", Map.of("app", "web"), r.account()), Destinations.parse(r.to()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void table(Row r) {
    Said said = decide(r);
    Map<String, Object> seen = new LinkedHashMap<>();
    seen.put("outcome", said.decision().outcome());
    seen.put("said", said.said());
    seen.put("rules", said.decision().rules());
    seen.put("undecided", said.undecided());
    assertThat(said.decision().outcome()).as(seen.toString()).isEqualTo(r.outcome());
    if (r.outcome() == Outcome.UNKNOWN) {
      assertThat(String.join("\n", said.undecided())).as(seen.toString()).contains(r.word());
      return;
    }
    List<String> words = new ArrayList<>(said.said());
    words.addAll(said.decision().rules());
    if (r.word().isEmpty()) {
      assertThat(words).as(seen.toString()).isEmpty();
    } else {
      assertThat(String.join("\n", words)).as(seen.toString()).contains(r.word());
    }
    if (r.outcome() == Outcome.ALLOWED && said.said().isEmpty() && !r.word().isEmpty()) {
      assertThat(said.decision().rules()).as("the allowing rule, for remediation").isNotEmpty();
    }
  }
}
