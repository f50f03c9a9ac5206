package io.imdsprober.policy.anp;

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
 * AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy egress semantics through
 * the precedence chain, one row per documented behaviour: the shape (objects as a manifest set
 * writes them), the pod, the destination, and what the chain must answer (allowed, denied or
 * unknown, with the rule that said it, or the reason it could not). Sources, cited per row:
 *
 * <ul>
 *   <li>[OVERVIEW] https://network-policy-api.sigs.k8s.io/api-overview/ (tiers, Pass, precedence:
 *       ANP, then NetworkPolicy, then BANP);
 *   <li>[SPEC] https://network-policy-api.sigs.k8s.io/reference/spec/ (priority 0-1000, lower
 *       first; equal priorities undefined; rules in order; subject; peers; ports);
 *   <li>[KEP]
 *       https://github.com/kubernetes/enhancements/tree/master/keps/sig-network/2091-admin-network-policy
 *       (user stories: deny egress to a sensitive endpoint for every namespace);
 *   <li>[NPEP-CNP] the v1alpha2 ClusterNetworkPolicy (tier Admin and Baseline, actions Accept,
 *       Deny, Pass), network-policy-api NPEP-122/v1alpha2 reference.
 * </ul>
 *
 * No packet is sent: the addresses are data.
 */
class AdminNetworkPolicyTableTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  static final String DENY_IMDS_ALL =
      """
      apiVersion: policy.networking.k8s.io/v1alpha1
      kind: AdminNetworkPolicy
      metadata: {name: deny-imds}
      spec:
        priority: 10
        subject: {namespaces: {}}
        egress:
          - {name: imds, action: Deny, to: [{networks: [169.254.169.254/32, "fd00:ec2::254/128"]}]}
      """;
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
  static final String PASS_IMDS =
      """
      apiVersion: policy.networking.k8s.io/v1alpha1
      kind: AdminNetworkPolicy
      metadata: {name: pass-imds}
      spec:
        priority: 5
        subject: {namespaces: {}}
        egress: [{action: Pass, to: [{networks: [169.254.0.0/16]}]}]
      """;
  static final String BANP_DENY =
      """
      apiVersion: policy.networking.k8s.io/v1alpha1
      kind: BaselineAdminNetworkPolicy
      metadata: {name: default}
      spec:
        subject: {namespaces: {}}
        egress: [{action: Deny, to: [{networks: [169.254.169.254/32]}]}]
      """;

  static String anp(String name, int priority, String subject, String egress) {
    return "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
        + "metadata: {name: "
        + name
        + "}\nspec:\n  priority: "
        + priority
        + "\n  subject: "
        + subject
        + "\n  egress: "
        + egress
        + "\n";
  }

  static String cnp(String name, String tier, int priority, String egress) {
    return "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n"
        + "metadata: {name: "
        + name
        + "}\nspec:\n  tier: "
        + tier
        + "\n  priority: "
        + priority
        + "\n  subject: {namespaces: {}}\n  egress: "
        + egress
        + "\n";
  }

  static final String IMDS = "169.254.169.254:80/TCP";
  static final String ALL = "{namespaces: {}}";

  /**
   * One row.
   *
   * @param shape what the row shows
   * @param docs the objects
   * @param namespace the pod's namespace
   * @param labels the pod's labels
   * @param to the destination
   * @param outcome the answer
   * @param word the rule that said it (allowed or denied by a tier), a fragment of the undecided
   *     reason (unknown), or empty when NetworkPolicy (or nothing) decided
   */
  record Row(
      String shape,
      List<String> docs,
      String namespace,
      Map<String, String> labels,
      String to,
      Outcome outcome,
      String word) {
    @Override
    public String toString() {
      return shape;
    }
  }

  static Row row(String shape, String to, Outcome o, String word, String... docs) {
    return new Row(shape, List.of(docs), "team", Map.of("app", "web"), to, o, word);
  }

  static Stream<Arguments> rows() {
    return Stream.of(
            // [KEP] user story "deny egress to a sensitive endpoint"; [OVERVIEW] ANP before NP
            row(
                "ANP priority 10 Deny 169.254.169.254/32 for all namespaces beats an NP allowing"
                    + " 0.0.0.0/0",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy deny-imds egress[0]",
                DENY_IMDS_ALL,
                NP_ALLOW_ALL),
            // [SPEC] networks holds IPv6 CIDRs too
            row(
                "the same ANP denies the IPv6 metadata address",
                "[fd00:ec2::254]:80/TCP",
                Outcome.DENIED,
                "AdminNetworkPolicy deny-imds egress[0]",
                DENY_IMDS_ALL),
            // [SPEC] a networks peer holds only its CIDRs: other destinations go on to NP
            row(
                "the ANP leaves other destinations to NetworkPolicy (no NP: allowed)",
                "93.184.215.14:443/TCP",
                Outcome.ALLOWED,
                "",
                DENY_IMDS_ALL),
            // [OVERVIEW] "Pass": skip to NetworkPolicy
            row(
                "ANP Pass then an NP that denies all egress: denied by the NP",
                IMDS,
                Outcome.DENIED,
                "",
                PASS_IMDS,
                NP_DENY_ALL),
            row(
                "ANP Pass then no NP, BANP Deny: denied by the baseline",
                IMDS,
                Outcome.DENIED,
                "BaselineAdminNetworkPolicy default egress[0]",
                PASS_IMDS,
                BANP_DENY),
            // [OVERVIEW] BANP applies only where no NetworkPolicy selects the pod
            row(
                "BANP Deny does not apply when an NP selects the pod and allows it",
                IMDS,
                Outcome.ALLOWED,
                "",
                BANP_DENY,
                NP_ALLOW_ALL),
            row(
                "BANP Deny applies when no NP selects the pod",
                IMDS,
                Outcome.DENIED,
                "BaselineAdminNetworkPolicy default egress[0]",
                BANP_DENY),
            // [OVERVIEW] ANP Allow cannot be overridden by NetworkPolicy
            row(
                "ANP Allow beats an NP deny",
                IMDS,
                Outcome.ALLOWED,
                "AdminNetworkPolicy allow-imds egress[0]",
                anp("allow-imds", 3, ALL, "[{action: Allow, to: [{networks: [169.254.0.0/16]}]}]"),
                NP_DENY_ALL),
            // [SPEC] priority: lower values have higher precedence
            row(
                "priority 10 Deny wins over priority 20 Allow",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy deny-imds egress[0]",
                anp("allow-later", 20, ALL, "[{action: Allow, to: [{networks: [0.0.0.0/0]}]}]"),
                DENY_IMDS_ALL),
            // [SPEC] equal priorities: the implementation may choose either
            row(
                "equal priorities that disagree: undecided, both named",
                IMDS,
                Outcome.UNKNOWN,
                "AdminNetworkPolicy allow-same egress[0] says allow (priority 10)",
                anp("allow-same", 10, ALL, "[{action: Allow, to: [{networks: [0.0.0.0/0]}]}]"),
                DENY_IMDS_ALL),
            row(
                "equal priorities that agree: their answer",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy deny-same egress[0]",
                anp("deny-same", 10, ALL, "[{action: Deny, to: [{networks: [169.254.0.0/16]}]}]"),
                DENY_IMDS_ALL),
            // [SPEC] rules of one policy: the first written has the highest precedence
            row(
                "within one ANP the first rule that holds the destination decides",
                IMDS,
                Outcome.ALLOWED,
                "AdminNetworkPolicy ordered egress[0]",
                anp(
                    "ordered",
                    1,
                    ALL,
                    "[{action: Allow, to: [{networks: [169.254.169.254/32]}]},"
                        + " {action: Deny, to: [{networks: [0.0.0.0/0]}]}]")),
            // [SPEC] subject.namespaces selects namespaces by their labels
            row(
                "a namespaces subject that does not select the pod's namespace: no effect",
                IMDS,
                Outcome.ALLOWED,
                "",
                anp(
                    "other-ns",
                    1,
                    "{namespaces: {matchLabels: {kubernetes.io/metadata.name: other}}}",
                    "[{action: Deny, to: [{networks: [0.0.0.0/0]}]}]")),
            row(
                "a namespaces subject by the namespace's own labels (Namespace object given)",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy prod egress[0]",
                anp(
                    "prod",
                    1,
                    "{namespaces: {matchLabels: {env: prod}}}",
                    "[{action: Deny, to: [{networks: [0.0.0.0/0]}]}]"),
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {env: prod}}\n"),
            // [SPEC] subject.pods: namespaceSelector and podSelector
            row(
                "a pods subject whose podSelector does not match the pod: no effect",
                IMDS,
                Outcome.ALLOWED,
                "",
                anp(
                    "db-only",
                    1,
                    "{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}",
                    "[{action: Deny, to: [{networks: [0.0.0.0/0]}]}]")),
            row(
                "a pods subject that matches the pod",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy web-only egress[0]",
                anp(
                    "web-only",
                    1,
                    "{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}",
                    "[{action: Deny, to: [{networks: [0.0.0.0/0]}]}]")),
            // [SPEC] namespaces and pods peers select pods, never an IP destination
            row(
                "namespaces and pods peers never hold a metadata address",
                IMDS,
                Outcome.ALLOWED,
                "",
                anp(
                    "pods-peers",
                    1,
                    ALL,
                    "[{action: Deny, to: [{namespaces: {}}, {pods: {namespaceSelector: {},"
                        + " podSelector: {}}}]}]")),
            // [SPEC] nodes peer: the nodes' addresses, not known offline
            row(
                "a nodes peer before any other rule: undecided, the field named",
                IMDS,
                Outcome.UNKNOWN,
                "AdminNetworkPolicy nodes egress[0].to[0].nodes",
                anp("nodes", 1, ALL, "[{action: Allow, to: [{nodes: {}}]}]"),
                NP_DENY_ALL),
            // [SPEC] ports: portNumber, portRange, namedPort
            row(
                "portNumber 80/TCP holds 169.254.169.254:80/TCP",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy port80 egress[0]",
                anp(
                    "port80",
                    1,
                    ALL,
                    "[{action: Deny, to: [{networks: [169.254.169.254/32]}],"
                        + " ports: [{portNumber: {protocol: TCP, port: 80}}]}]")),
            row(
                "portNumber 80/TCP does not hold 169.254.169.254:53/UDP",
                "169.254.169.254:53/UDP",
                Outcome.ALLOWED,
                "",
                anp(
                    "port80",
                    1,
                    ALL,
                    "[{action: Deny, to: [{networks: [169.254.169.254/32]}],"
                        + " ports: [{portNumber: {protocol: TCP, port: 80}}]}]")),
            row(
                "portRange 1-1024 (TCP by default) holds port 80",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy range egress[0]",
                anp(
                    "range",
                    1,
                    ALL,
                    "[{action: Deny, to: [{networks: [169.254.169.254/32]}],"
                        + " ports: [{portRange: {start: 1, end: 1024}}]}]")),
            row(
                "a namedPort never matches an IP destination",
                IMDS,
                Outcome.ALLOWED,
                "",
                anp(
                    "named",
                    1,
                    ALL,
                    "[{action: Deny, to: [{networks: [169.254.169.254/32]}],"
                        + " ports: [{namedPort: http}]}]")),
            // [SPEC] an ANP with no egress rules does not affect egress
            row(
                "an ANP without egress rules: no effect",
                IMDS,
                Outcome.ALLOWED,
                "",
                "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
                    + "metadata: {name: ingress-only}\nspec: {priority: 1, subject: {namespaces:"
                    + " {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}\n"),
            // [NPEP-CNP] v1alpha2: tier Admin before NetworkPolicy, Accept allows
            row(
                "ClusterNetworkPolicy tier Admin Accept beats an NP deny",
                IMDS,
                Outcome.ALLOWED,
                "ClusterNetworkPolicy accept egress[0]",
                cnp("accept", "Admin", 1, "[{action: Accept, to: [{networks: [0.0.0.0/0]}]}]"),
                NP_DENY_ALL),
            row(
                "ClusterNetworkPolicy tier Admin Pass, tier Baseline Deny, no NP: denied",
                IMDS,
                Outcome.DENIED,
                "ClusterNetworkPolicy base egress[0]",
                cnp("pass", "Admin", 1, "[{action: Pass, to: [{networks: [0.0.0.0/0]}]}]"),
                cnp("base", "Baseline", 1, "[{action: Deny, to: [{networks: [0.0.0.0/0]}]}]")),
            row(
                "ClusterNetworkPolicy tier Baseline Deny, an NP selects the pod and allows:"
                    + " allowed",
                IMDS,
                Outcome.ALLOWED,
                "",
                cnp("base", "Baseline", 1, "[{action: Deny, to: [{networks: [0.0.0.0/0]}]}]"),
                NP_ALLOW_ALL),
            row(
                "ANP priority 10 Deny beats ClusterNetworkPolicy tier Admin priority 20 Accept",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy deny-imds egress[0]",
                cnp("accept", "Admin", 20, "[{action: Accept, to: [{networks: [0.0.0.0/0]}]}]"),
                DENY_IMDS_ALL),
            // [NPEP-CNP] apis/v1alpha2 clusternetworkpolicy_types.go: match tcp/udp port
            row(
                "ClusterNetworkPolicy match tcp port 80 holds 169.254.169.254:80/TCP",
                IMDS,
                Outcome.DENIED,
                "ClusterNetworkPolicy m80 egress[0]",
                cnp(
                    "m80",
                    "Admin",
                    1,
                    "[{action: Deny, to: [{networks: [169.254.169.254/32]}],"
                        + " match: [{tcp: [{port: {number: 80}}]}]}]")),
            row(
                "ClusterNetworkPolicy match udp portRange 1-1024 does not hold TCP 80",
                IMDS,
                Outcome.ALLOWED,
                "",
                cnp(
                    "mudp",
                    "Admin",
                    1,
                    "[{action: Deny, to: [{networks: [169.254.169.254/32]}],"
                        + " match: [{udp: [{port: {portRange: {start: 1, end: 1024}}}]}]}]")),
            row(
                "a ClusterNetworkPolicy match of another shape: undecided, the field named",
                IMDS,
                Outcome.UNKNOWN,
                "ClusterNetworkPolicy mx egress[0].match: not read",
                cnp(
                    "mx",
                    "Admin",
                    1,
                    "[{action: Deny, to: [{networks: [169.254.169.254/32]}],"
                        + " match: [{sctp: [{port: {number: 80}}]}]}]")),
            row(
                "a peer kind not evaluated (domainNames): undecided, the field named",
                IMDS,
                Outcome.UNKNOWN,
                "ClusterNetworkPolicy dn egress[0].to[0].domainNames: not evaluated",
                cnp("dn", "Admin", 1, "[{action: Deny, to: [{domainNames: [example.com]}]}]")),
            // Bad input: the object is invalid (named), never allows or denies, the rest stands
            row(
                "a selector that does not parse: invalid, and the pods it may select are unknown",
                IMDS,
                Outcome.UNKNOWN,
                "AdminNetworkPolicy bad-sel is invalid: spec.subject.namespaces: matchExpressions"
                    + " env: unknown operator 'Among'",
                anp(
                    "bad-sel",
                    1,
                    "{namespaces: {matchExpressions: [{key: env, operator: Among, values: [a]}]}}",
                    "[{action: Allow, to: [{networks: [0.0.0.0/0]}]}]"),
                NP_DENY_ALL),
            row(
                "an unknown action: invalid, never a silent allow or deny",
                IMDS,
                Outcome.UNKNOWN,
                "spec.egress[0].action 'Drop' is not an action of AdminNetworkPolicy",
                anp("drop", 1, ALL, "[{action: Drop, to: [{networks: [0.0.0.0/0]}]}]")),
            row(
                "a bad CIDR: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "'169.254.169.254/33': prefix 33 is outside 0-32",
                anp("cidr", 1, ALL, "[{action: Deny, to: [{networks: [169.254.169.254/33]}]}]"),
                NP_ALLOW_ALL),
            row(
                "an invalid ANP at a later priority: the valid deny before it stands",
                IMDS,
                Outcome.DENIED,
                "AdminNetworkPolicy deny-imds egress[0]",
                anp("drop", 50, ALL, "[{action: Drop, to: [{networks: [0.0.0.0/0]}]}]"),
                DENY_IMDS_ALL),
            row(
                "BANP Pass is not a BANP action: invalid",
                IMDS,
                Outcome.UNKNOWN,
                "spec.egress[0].action 'Pass' is not an action of BaselineAdminNetworkPolicy",
                "apiVersion: policy.networking.k8s.io/v1alpha1\n"
                    + "kind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n"
                    + "spec: {subject: {namespaces: {}}, egress: [{action: Pass, to: [{networks:"
                    + " [0.0.0.0/0]}]}]}\n"))
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
        .decide(tiers.subject(r.namespace(), r.labels()), Destinations.parse(r.to()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void table(Row r) {
    Said said = decide(r);
    Map<String, Object> seen = new LinkedHashMap<>();
    seen.put("outcome", said.decision().outcome());
    seen.put("said", said.said());
    seen.put("undecided", said.undecided());
    assertThat(said.decision().outcome()).as(seen.toString()).isEqualTo(r.outcome());
    if (r.outcome() == Outcome.UNKNOWN) {
      assertThat(String.join("\n", said.undecided())).as(seen.toString()).contains(r.word());
    } else if (r.word().isEmpty()) {
      assertThat(said.said()).as(seen.toString()).isEmpty();
    } else {
      assertThat(said.said()).as(seen.toString()).contains(r.word());
    }
    if (r.outcome() == Outcome.ALLOWED && !r.word().isEmpty()) {
      assertThat(said.decision().rules())
          .as("the allowing rule, for remediation")
          .contains(r.word());
    }
  }
}
