package io.imdsprober.policy.cilium;

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
 * CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy egress semantics through the precedence
 * chain, one row per documented behaviour: the objects as a manifest set writes them, a pod of
 * namespace {@code team} labelled {@code app: web}, a destination, and what the chain answers
 * (allowed, denied or unknown, with the rule that said it or the reason it could not). Sources,
 * cited per row:
 *
 * <ul>
 *   <li>[L3] https://docs.cilium.io/en/stable/security/policy/language/ "Layer 3 Policies"
 *       (Endpoints based, Simple Egress Deny, Ingress/Egress Default Deny, Services based, Entities
 *       based, IP/CIDR based, DNS based);
 *   <li>[L4] the same page, "Layer 4 Policies" (toPorts to any L3 destination, port ranges,
 *       protocol omitted = any, ICMP);
 *   <li>[L7] the same page, "Layer 7 Policies" (HTTP, DNS, Kafka rules: the proxy allows some
 *       requests);
 *   <li>[DENY] https://docs.cilium.io/en/stable/security/policy/deny/ (deny over allow, regardless
 *       of CNP, CCNP or Kubernetes NetworkPolicy; default deny once selected);
 *   <li>[INTRO] https://docs.cilium.io/en/stable/security/policy/intro/ "Endpoint default policy"
 *       (default deny per direction once selected, adjustable per policy);
 *   <li>[K8S] https://docs.cilium.io/en/stable/security/policy/kubernetes/ (Namespaces, Known
 *       Pitfalls, ServiceAccounts, Multi-Cluster, Clusterwide Policies);
 *   <li>[EDD] cilium.io/v2 Rule.enableDefaultDeny (Cilium 1.15+, cilium/cilium#30572): "the default
 *       is true for each traffic direction that has rules ... enabled if any policy requests it";
 *   <li>[API] cilium/cilium pkg/policy/api: rule_validation.go (Sanitize: one of endpointSelector
 *       and nodeSelector, one kind of L3 peer per rule, except inside cidr, ports, L7 only on TCP
 *       allows), entity.go (the entities), cidr_test.go (world-ipv4 only in dual stack);
 *       pkg/policy/repository.go computePolicyEnforcementAndRules (len(Egress) > 0 ||
 *       len(EgressDeny) > 0);
 *   <li>[CT] cilium-cli connectivity tests: client-egress-to-cidr-deny (allow-all egress plus a
 *       CIDR deny), client-egress-to-cidr-deny-default (a deny alone: default deny),
 *       all-egress-deny.
 * </ul>
 *
 * No packet is sent: the addresses are data.
 */
class CiliumPolicyTableTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final String IMDS = "169.254.169.254:80/TCP";
  static final String WEB = "93.184.215.14:443/TCP";

  static String cnp(String name, String spec) {
    return "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: "
        + name
        + ", namespace: team}\nspec: "
        + spec
        + "\n";
  }

  static String ccnp(String name, String spec) {
    return "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: "
        + name
        + "}\nspec: "
        + spec
        + "\n";
  }

  static final String ALL = "endpointSelector: {}";
  static final String DENY_IMDS =
      ccnp(
          "deny-imds",
          "{"
              + ALL
              + ", egressDeny: [{toCIDR: [169.254.169.254/32, 'fd00:ec2::254/128']}],"
              + " enableDefaultDeny: {egress: false}}");
  static final String ALLOW_ALL = ccnp("allow-all", "{" + ALL + ", egress: [{toEntities: [all]}]}");
  static final String NP_ALLOW_ALL =
      """
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: allow-all, namespace: team}
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
      """;
  static final String NP_DENY_ALL =
      """
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-all, namespace: team}
      spec: {podSelector: {}, policyTypes: [Egress]}
      """;
  static final String TEAM_NS =
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {env: prod}}\n";

  /** A CNP {@code e} in team selecting app=web with these egress rules. */
  static String egress(String rules) {
    return cnp("e", "{endpointSelector: {matchLabels: {app: web}}, egress: " + rules + "}");
  }

  record Row(String shape, List<String> docs, String to, Outcome outcome, String word) {
    @Override
    public String toString() {
      return shape;
    }
  }

  static Row row(String shape, String to, Outcome o, String word, String... docs) {
    return new Row(shape, List.of(docs), to, o, word);
  }

  static Stream<Arguments> rows() {
    return Stream.of(
            // [DENY] deny over allow; [CT] client-egress-to-cidr-deny
            row(
                "CCNP egressDeny 169.254.169.254/32 beats a CCNP allowing all entities",
                IMDS,
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy deny-imds egressDeny[0]",
                ALLOW_ALL,
                DENY_IMDS),
            // [DENY] "regardless of whether they are ... or even a Kubernetes Network Policy"
            row(
                "CCNP egressDeny beats a NetworkPolicy allowing 0.0.0.0/0",
                IMDS,
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy deny-imds egressDeny[0]",
                NP_ALLOW_ALL,
                DENY_IMDS),
            row(
                "the same deny holds the IPv6 metadata address",
                "[fd00:ec2::254]:80/TCP",
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy deny-imds egressDeny[0]",
                DENY_IMDS),
            // [EDD] enableDefaultDeny.egress false: the deny-metadata-only CCNP
            row(
                "a deny-only CCNP with enableDefaultDeny.egress false leaves other egress allowed",
                WEB,
                Outcome.ALLOWED,
                "",
                DENY_IMDS),
            // [DENY] "Pods will enter default-deny mode as soon a single policy selects it";
            // [CT] client-egress-to-cidr-deny-default
            row(
                "a deny-only CCNP without enableDefaultDeny puts the pod in default deny",
                WEB,
                Outcome.DENIED,
                "",
                ccnp("d", "{" + ALL + ", egressDeny: [{toCIDR: [169.254.169.254/32]}]}")),
            // [L3] IP/CIDR based: toCIDRSet with except
            row(
                "toCIDRSet 0.0.0.0/0 except the metadata address: the pod is in default deny",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{toCIDRSet: [{cidr: 0.0.0.0/0, except: [169.254.169.254/32]}]}]")),
            row(
                "the same toCIDRSet allows another address, naming the rule",
                WEB,
                Outcome.ALLOWED,
                "CiliumNetworkPolicy team/e egress[0]",
                egress("[{toCIDRSet: [{cidr: 0.0.0.0/0, except: [169.254.169.254/32]}]}]")),
            // [L3] Entities based: world "identical to allowing to CIDR 0.0.0.0/0"
            row(
                "toEntities world allows the metadata address",
                IMDS,
                Outcome.ALLOWED,
                "CiliumNetworkPolicy team/e egress[0]",
                egress("[{toEntities: [world]}]")),
            row(
                "toEntities world allows the IPv6 metadata address",
                "[fd00:ec2::254]:80/TCP",
                Outcome.ALLOWED,
                "CiliumNetworkPolicy team/e egress[0]",
                egress("[{toEntities: [world]}]")),
            // [L3] cluster, host, kube-apiserver: inside the cluster, not the world
            row(
                "toEntities cluster does not hold the metadata address",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{toEntities: [cluster]}]")),
            row(
                "toEntities host and remote-node do not hold it",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{toEntities: [host, remote-node]}]")),
            row(
                "toEntities kube-apiserver does not hold it",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{toEntities: [kube-apiserver]}]")),
            // [L3] all "whitelists all communication"
            row(
                "toEntities all allows it",
                IMDS,
                Outcome.ALLOWED,
                "CiliumNetworkPolicy team/e egress[0]",
                egress("[{toEntities: [all]}]")),
            // [API] cidr_test.go: in an IPv4-only cluster the world identity is reserved:world
            row(
                "toEntities world-ipv4: holds it only in a dual-stack cluster, undecided",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumNetworkPolicy team/e egress[0].toEntities[0]: world-ipv4 holds"
                    + " 169.254.169.254 only in a dual-stack cluster",
                egress("[{toEntities: [world-ipv4]}]")),
            row(
                "toEntities world-ipv6 never holds an IPv4 address",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{toEntities: [world-ipv6]}]")),
            // [L3] Endpoints based: "An empty EndpointSelector will select all egress endpoints
            // ... based on the CiliumNetworkPolicy namespace"
            row(
                "CNP toEndpoints {} selects the namespace's pods, never the metadata address",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{toEndpoints: [{}]}]")),
            row(
                "CCNP toEndpoints {} may select the world identity: undecided, named",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumClusterwideNetworkPolicy any-ep egress[0].toEndpoints[0]: a cluster-wide"
                    + " selector that requires no label",
                ccnp("any-ep", "{" + ALL + ", egress: [{toEndpoints: [{}]}]}")),
            // [L4] "only be able to emit packets using TCP on port 80, to any layer 3 destination"
            row(
                "an L4-only rule (toPorts 80/TCP) allows port 80 of any address",
                IMDS,
                Outcome.ALLOWED,
                "CiliumNetworkPolicy team/e egress[0]",
                egress("[{toPorts: [{ports: [{port: '80', protocol: TCP}]}]}]")),
            row(
                "the same rule does not allow port 443",
                "169.254.169.254:443/TCP",
                Outcome.DENIED,
                "",
                egress("[{toPorts: [{ports: [{port: '80', protocol: TCP}]}]}]")),
            // [L4] Example Port Ranges (port, endPort)
            row(
                "toCIDR with a port range 1-1024 allows port 80",
                IMDS,
                Outcome.ALLOWED,
                "CiliumNetworkPolicy team/e egress[0]",
                egress(
                    "[{toCIDR: [169.254.0.0/16], toPorts: [{ports: [{port: '1', endPort: 1024,"
                        + " protocol: TCP}]}]}]")),
            // [L4] "Protocol ... If omitted or empty, any protocol matches"
            row(
                "a port without protocol holds UDP too",
                "169.254.169.254:80/UDP",
                Outcome.ALLOWED,
                "CiliumNetworkPolicy team/e egress[0]",
                egress("[{toCIDR: [169.254.169.254/32], toPorts: [{ports: [{port: '80'}]}]}]")),
            row(
                "port 53/UDP does not hold 80/TCP",
                IMDS,
                Outcome.DENIED,
                "",
                egress(
                    "[{toCIDR: [169.254.169.254/32], toPorts: [{ports: [{port: '53', protocol:"
                        + " UDP}]}]}]")),
            // [API] port 0 is every port (rule_validation.go isZero)
            row(
                "port 0 holds every port",
                "169.254.169.254:8080/TCP",
                Outcome.ALLOWED,
                "CiliumNetworkPolicy team/e egress[0]",
                egress(
                    "[{toCIDR: [169.254.169.254/32], toPorts: [{ports: [{port: '0', protocol:"
                        + " TCP}]}]}]")),
            row(
                "a named port never holds an address outside the cluster",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{toEntities: [world], toPorts: [{ports: [{port: http}]}]}]")),
            // [L7] HTTP rules: the proxy allows some requests
            row(
                "an allow with HTTP rules on the matching port: undecided, the field named",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumNetworkPolicy team/e egress[0].toPorts[0].rules.http",
                egress(
                    "[{toEntities: [world], toPorts: [{ports: [{port: '80', protocol: TCP}],"
                        + " rules: {http: [{method: GET, path: /}]}}]}]")),
            row(
                "HTTP rules on port 443 only: port 80 stays decidable (denied)",
                IMDS,
                Outcome.DENIED,
                "",
                egress(
                    "[{toEntities: [world], toPorts: [{ports: [{port: '443', protocol: TCP}],"
                        + " rules: {http: [{method: GET}]}}]}]")),
            // [L3] DNS based: IPs learnt from DNS answers
            row(
                "toFQDNs: undecided for an IP destination, naming the rule and field",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumNetworkPolicy team/e egress[0].toFQDNs: not decidable for an IP"
                    + " destination",
                egress("[{toFQDNs: [{matchName: example.com}]}]")),
            row(
                "toFQDNs on port 443: port 80 is ruled out, denied",
                IMDS,
                Outcome.DENIED,
                "",
                egress(
                    "[{toFQDNs: [{matchPattern: '*.example.com'}], toPorts: [{ports: [{port:"
                        + " '443', protocol: TCP}]}]}]")),
            // [DENY] an undecidable allow does not matter when a deny holds
            row(
                "a CCNP deny beats an undecidable toFQDNs allow",
                IMDS,
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy deny-imds egressDeny[0]",
                egress("[{toFQDNs: [{matchName: example.com}]}]"),
                DENY_IMDS),
            // only the pods a rule could select are undecided
            row(
                "a CCNP toFQDNs rule selecting app=db leaves app=web decided",
                IMDS,
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy deny-imds egressDeny[0]",
                ccnp(
                    "db-fqdn",
                    "{endpointSelector: {matchLabels: {app: db}}, egress: [{toFQDNs: [{matchName:"
                        + " a.b}]}]}"),
                DENY_IMDS),
            // [L3] Entities based: host is the local node, not the world
            row(
                "egressDeny toEntities host does not deny the metadata address",
                IMDS,
                Outcome.ALLOWED,
                "",
                ccnp(
                    "deny-host",
                    "{"
                        + ALL
                        + ", enableDefaultDeny: {egress: false}, egressDeny: [{toEntities:"
                        + " [host]}]}")),
            row(
                "toEntities world for an address that may be a node's: undecided",
                "10.0.0.1:80/TCP",
                Outcome.UNKNOWN,
                "whether 10.0.0.1 is a node's, a pod's or the world's address is not known",
                egress("[{toEntities: [world]}]")),
            // [API] rule_validation.go: netip.ParsePrefix refuses leading zeros
            row(
                "a CIDR with a leading zero: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "has a leading zero",
                egress("[{toCIDR: [169.254.169.254/032]}]")),
            // [L3] Services based
            row(
                "toServices: undecided",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumNetworkPolicy team/e egress[0].toServices",
                egress("[{toServices: [{k8sService: {serviceName: s, namespace: team}}]}]")),
            // [L3] "toCIDRSet may also reference prefixes/CIDRs indirectly via a CiliumCIDRGroup"
            row(
                "toCIDRSet cidrGroupRef: undecided, naming the group field",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumNetworkPolicy team/e egress[0].toCIDRSet[0].cidrGroupRef",
                egress("[{toCIDRSet: [{cidrGroupRef: office}]}]")),
            // [L3] toRequires: restricts every egress of the endpoints (deprecated)
            row(
                "toRequires: undecided",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumNetworkPolicy team/e egress[0].toRequires",
                egress("[{toRequires: [{matchLabels: {env: prod}}]}]"),
                ALLOW_ALL),
            // [K8S] a CNP applies only to pods of its namespace
            row(
                "a CNP of another namespace neither denies nor makes the pod undecided",
                IMDS,
                Outcome.ALLOWED,
                "",
                cnp(
                        "x",
                        "{endpointSelector: {}, egressDeny: [{toEntities: [world]}], egress:"
                            + " [{toFQDNs: [{matchName: a.b}]}]}")
                    .replace("namespace: team", "namespace: other")),
            row(
                "a CNP's endpointSelector naming another namespace in its k8s: matchLabels entry"
                    + " still applies to its own (ParseToCiliumRule overwrites that entry)",
                IMDS,
                Outcome.DENIED,
                "CiliumNetworkPolicy team/ns egressDeny[0]",
                cnp(
                    "ns",
                    "{endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: other}},"
                        + " egressDeny: [{toEntities: [world]}]}")),
            // [K8S-CODE] cilium pkg/k8s/apis/cilium.io/utils ParseToCiliumRule: AddMatch writes
            // only the k8s:-prefixed key; an any: (unprefixed) entry or a matchExpressions
            // condition on the namespace stays and is ANDed (red-team finding F5)
            row(
                "a CNP whose unprefixed io.kubernetes.pod.namespace entry names another namespace"
                    + " selects nothing: its deny does not protect",
                IMDS,
                Outcome.ALLOWED,
                "",
                cnp(
                    "ns",
                    "{endpointSelector: {matchLabels: {io.kubernetes.pod.namespace: other}},"
                        + " egressDeny: [{toEntities: [world]}]}")),
            // [K8S] CCNP selecting by io.kubernetes.pod.namespace
            row(
                "a CCNP selecting k8s:io.kubernetes.pod.namespace team denies",
                IMDS,
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy team-only egressDeny[0]",
                ccnp(
                    "team-only",
                    "{endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: team}},"
                        + " egressDeny: [{toEntities: [world]}]}")),
            row(
                "a CCNP selecting another namespace leaves the pod alone",
                IMDS,
                Outcome.ALLOWED,
                "",
                ccnp(
                    "other-only",
                    "{endpointSelector: {matchLabels: {io.kubernetes.pod.namespace: other}},"
                        + " egressDeny: [{toEntities: [world]}]}")),
            // [K8S] io.cilium.k8s.namespace.labels
            row(
                "a CCNP selecting io.cilium.k8s.namespace.labels.env prod: the namespace's label",
                IMDS,
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy prod egressDeny[0]",
                TEAM_NS,
                ccnp(
                    "prod",
                    "{endpointSelector: {matchExpressions: [{key:"
                        + " io.cilium.k8s.namespace.labels.env, operator: In, values: [prod]}]},"
                        + " egressDeny: [{toEntities: [world]}]}")),
            // [K8S] ServiceAccounts
            row(
                "a CCNP selecting by service account, which is not known: undecided",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumClusterwideNetworkPolicy sa endpointSelector: selects by"
                    + " io.cilium.k8s.policy.serviceaccount",
                ccnp(
                    "sa",
                    "{endpointSelector: {matchLabels: {io.cilium.k8s.policy.serviceaccount:"
                        + " web}}, egressDeny: [{toEntities: [world]}]}")),
            // [K8S] Multi-Cluster: io.cilium.k8s.policy.cluster
            row(
                "a CCNP selecting by cluster name, which is not known: undecided",
                IMDS,
                Outcome.UNKNOWN,
                "selects by io.cilium.k8s.policy.cluster",
                ccnp(
                    "cl",
                    "{endpointSelector: {matchLabels: {io.cilium.k8s.policy.cluster: c1}},"
                        + " egressDeny: [{toEntities: [world]}]}")),
            // [L3] source prefixes: k8s: is a pod label, reserved: is not
            row(
                "endpointSelector k8s:app web selects the pod",
                IMDS,
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy k8s egressDeny[0]",
                ccnp(
                    "k8s",
                    "{endpointSelector: {matchLabels: {'k8s:app': web}}, egressDeny:"
                        + " [{toEntities: [world]}]}")),
            row(
                "endpointSelector reserved:host never selects a pod",
                IMDS,
                Outcome.ALLOWED,
                "",
                ccnp(
                    "host",
                    "{endpointSelector: {matchLabels: {'reserved:host': ''}}, egressDeny:"
                        + " [{toEntities: [world]}]}")),
            // [API] a nodeSelector rule is a host policy: it selects nodes, never pods
            row(
                "a nodeSelector (host policy) rule does not apply to pods",
                IMDS,
                Outcome.ALLOWED,
                "",
                ccnp(
                    "nodes",
                    "{nodeSelector: {}, egressDeny: [{toEntities: [world]}], egress: [{toFQDNs:"
                        + " [{matchName: a.b}]}]}")),
            // [DENY] NetworkPolicy allows count as allows in the same pool
            row(
                "NP deny-all plus a CCNP allowing world: allowed by the CCNP",
                IMDS,
                Outcome.ALLOWED,
                "CiliumClusterwideNetworkPolicy world egress[0]",
                NP_DENY_ALL,
                ccnp("world", "{" + ALL + ", egress: [{toEntities: [world]}]}")),
            row(
                "an NP selecting the pod switches it to default deny under a default-allow CCNP",
                WEB,
                Outcome.DENIED,
                "",
                NP_DENY_ALL,
                DENY_IMDS),
            row(
                "an NP allow alone: allowed by the NP's rule",
                IMDS,
                Outcome.ALLOWED,
                "team/allow-all egress[0]",
                NP_ALLOW_ALL,
                ccnp("other", "{endpointSelector: {matchLabels: {app: db}}, egress: [{}]}")),
            // [L3] Ingress/Egress Default Deny: an empty rule allows nothing; the deny-all-egress
            // shape of cilium/cilium#3346; [API] repository.go counts len(r.Egress) > 0
            row(
                "egress: [{}] puts the pod in default deny and allows nothing",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{}]")),
            // [L3] example egress-default-deny.json writes "egress": []; [API] repository.go
            // counts only len(r.Egress) > 0
            row(
                "egress: [] alone: docs and code disagree, undecided",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumNetworkPolicy team/e egress: an empty list",
                egress("[]")),
            // [L4] ICMP rules block other L4 unless allowed
            row(
                "an icmps-only rule holds no TCP destination",
                IMDS,
                Outcome.DENIED,
                "",
                egress("[{toEntities: [world], icmps: [{fields: [{type: 8, family: IPv4}]}]}]")),
            // [DENY] deny with ports
            row(
                "egressDeny on port 80 only does not hold port 443",
                "169.254.169.254:443/TCP",
                Outcome.ALLOWED,
                "",
                ccnp(
                    "d80",
                    "{"
                        + ALL
                        + ", enableDefaultDeny: {egress: false}, egressDeny: [{toEntities:"
                        + " [world], toPorts: [{ports: [{port: '80', protocol: TCP}]}]}]}")),
            // [K8S] CiliumNetworkPolicy specs: a list of rules
            row(
                "specs: the second rule's egressDeny denies, named by its index",
                IMDS,
                Outcome.DENIED,
                "CiliumNetworkPolicy team/two specs[1].egressDeny[0]",
                "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: two,"
                    + " namespace: team}\nspecs:\n- {endpointSelector: {matchLabels: {app: db}},"
                    + " egress: [{}]}\n- {endpointSelector: {}, egressDeny: [{toEntities:"
                    + " [world]}]}\n"),
            // Bad input [API] rule_validation.go: the object is invalid, never allows or denies
            row(
                "toCIDR and toEntities in one rule: Cilium refuses the object",
                IMDS,
                Outcome.UNKNOWN,
                "CiliumNetworkPolicy team/e is invalid: egress[0] combines toCIDR and toEntities",
                egress("[{toCIDR: [10.0.0.0/8], toEntities: [world]}]")),
            row(
                "a CIDR prefix out of range: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "prefix 33 is outside 0-32",
                egress("[{toCIDR: [169.254.169.254/33]}]")),
            row(
                "an except outside its cidr: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "except 169.254.169.254/32 is not inside 10.0.0.0/8",
                egress("[{toCIDRSet: [{cidr: 10.0.0.0/8, except: [169.254.169.254/32]}]}]")),
            row(
                "an unknown entity: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "unsupported entity 'internet'",
                ccnp("bad-entity", "{" + ALL + ", egressDeny: [{toEntities: [internet]}]}")),
            row(
                "an unknown selector operator: invalid, the pods it may select undecided",
                IMDS,
                Outcome.UNKNOWN,
                "endpointSelector: matchExpressions app: unknown operator 'Among'",
                ccnp(
                    "bad-op",
                    "{endpointSelector: {matchExpressions: [{key: app, operator: Among, values:"
                        + " [web]}]}, egressDeny: [{toEntities: [world]}]}")),
            row(
                "a port out of range: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "port 70000 is outside 0-65535",
                egress("[{toEntities: [world], toPorts: [{ports: [{port: '70000'}]}]}]")),
            row(
                "an unknown protocol: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "protocol 'HTTP' is not TCP, UDP, SCTP or ANY",
                egress(
                    "[{toEntities: [world], toPorts: [{ports: [{port: '80', protocol:"
                        + " HTTP}]}]}]")),
            row(
                "L7 rules on an egressDeny: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "an egressDeny rule cannot have L7 rules",
                ccnp(
                    "deny-l7",
                    "{"
                        + ALL
                        + ", egressDeny: [{toEntities: [world], toPorts: [{ports: [{port: '80',"
                        + " protocol: TCP}], rules: {http: [{method: GET}]}}]}]}")),
            row(
                "both endpointSelector and nodeSelector: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "a rule needs exactly one of endpointSelector and nodeSelector",
                ccnp(
                    "both",
                    "{" + ALL + ", nodeSelector: {}, egressDeny: [{toEntities: [world]}]}")),
            row(
                "an invalid CCNP does not weaken a valid deny",
                IMDS,
                Outcome.DENIED,
                "CiliumClusterwideNetworkPolicy deny-imds egressDeny[0]",
                ccnp("bad-entity", "{" + ALL + ", egress: [{toEntities: [internet]}]}"),
                DENY_IMDS),
            row(
                "an apiVersion other than cilium.io/v2: named invalid, never silently read",
                IMDS,
                Outcome.UNKNOWN,
                "apiVersion cilium.io/v3 is not read",
                DENY_IMDS.replace("cilium.io/v2", "cilium.io/v3")))
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
        .decide(tiers.subject("team", Map.of("app", "web")), Destinations.parse(r.to()));
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
    } else if (r.word().isEmpty()) {
      assertThat(said.said()).as(seen.toString()).isEmpty();
      assertThat(said.decision().rules()).as(seen.toString()).isEmpty();
    } else if (r.outcome() == Outcome.DENIED) {
      assertThat(said.said()).as(seen.toString()).contains(r.word());
    } else {
      assertThat(said.decision().rules())
          .as("the allowing rule, for remediation: " + seen)
          .contains(r.word());
    }
  }
}
