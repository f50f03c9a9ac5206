package io.imdsprober.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.util.IpLiteral;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NetworkPolicy egress semantics for IP destinations, one row per rule of the Kubernetes API
 * reference (and the upstream e2e cases on {@code except}). No packet is sent: the addresses are
 * data.
 */
class EgressPoliciesTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final Destination IMDS = dest("169.254.169.254", 80, "TCP");
  static final Destination IMDS6 = dest("fd00:ec2::254", 80, "TCP");
  static final Destination WEB = dest("93.184.215.14", 443, "TCP");
  static final Map<String, String> WEB_POD = Map.of("app", "web");
  static final Map<String, String> PROBE_POD =
      Map.of("app.kubernetes.io/name", "imds-probe", "imds-prober.io/sweep", "s1");

  static Destination dest(String ip, int port, String protocol) {
    return new Destination(IpLiteral.address(ip), port, protocol);
  }

  /** Policies in namespace team, from a YAML body per policy (name: spec). */
  static List<NetworkPolicy> policies(String... specs) {
    List<NetworkPolicy> out = new ArrayList<>();
    for (int i = 0; i < specs.length; i++) {
      String doc =
          "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
              + "metadata: {name: p"
              + i
              + ", namespace: team}\nspec:\n"
              + specs[i].indent(2);
      out.add(YAML.unmarshal(doc, NetworkPolicy.class));
    }
    return out;
  }

  static final String DENY_ALL = "podSelector: {}\npolicyTypes: [Egress]\n";
  static final String ALL_BUT_IMDS =
      """
      podSelector: {}
      policyTypes: [Egress]
      egress:
        - to:
            - ipBlock:
                cidr: 0.0.0.0/0
                except: [169.254.169.254/32]
            - ipBlock:
                cidr: '::/0'
                except: [fd00:ec2::254/128]
      """;

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(
            "no policy: not isolated, allowed",
            List.of(),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            false,
            List.of()),
        Arguments.of(
            "default deny egress",
            policies(DENY_ALL),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "policyTypes omitted, egress rules present: egress applies",
            policies("podSelector: {}\negress:\n  - ports: [{port: 443}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "policyTypes omitted, no egress rules: ingress only, not isolated",
            policies("podSelector: {}\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            false,
            List.of()),
        Arguments.of(
            "policyTypes [Ingress] with egress rules: egress not applied",
            policies("podSelector: {}\npolicyTypes: [Ingress]\negress:\n  - ports: [{port: 1}]\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            false,
            List.of()),
        Arguments.of(
            "an empty egress rule allows everything",
            policies("podSelector: {}\npolicyTypes: [Egress]\negress:\n  - {}\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            true,
            List.of("team/p0")),
        Arguments.of(
            "ipBlock with except: the metadata address is not allowed",
            policies(ALL_BUT_IMDS),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "... and the rest of the internet is",
            policies(ALL_BUT_IMDS),
            WEB_POD,
            WEB,
            Outcome.ALLOWED,
            true,
            List.of("team/p0")),
        Arguments.of(
            "IPv6: except in ::/0",
            policies(ALL_BUT_IMDS),
            WEB_POD,
            IMDS6,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "an IPv4 destination is never in an IPv6 block",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: '::/0'}}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "an IPv4-mapped IPv6 block is IPv6 (as the API server reads it): it allows no IPv4"
                + " destination its IPv4 reading does not hold either",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: '::ffff:10.0.0.0/104'}}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "an IPv4-mapped IPv6 block whose IPv4 reading holds the destination: unknown, not"
                + " denied (a CNI matching with Go's net.IPNet.Contains allows it)",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: '::ffff:169.254.0.0/112'}}]\n"),
            WEB_POD,
            IMDS,
            Outcome.UNKNOWN,
            true,
            List.of()),
        Arguments.of(
            "... and a plain block of another policy that allows it decides: allowed",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: '::ffff:169.254.0.0/112'}}]\n",
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: 169.254.169.254/32}}]\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            true,
            List.of("team/p1")),
        Arguments.of(
            "the mapped block's except holds the destination under both readings: denied",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: '::ffff:169.254.0.0/112', except: ['::ffff:169.254.169.254/128']}}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "in both cidr and except of one block, another peer of the rule allows it (e2e)",
            policies(
                """
                podSelector: {}
                policyTypes: [Egress]
                egress:
                  - to:
                      - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.0.0/16]}
                      - ipBlock: {cidr: 169.254.169.254/32}
                """),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            true,
            List.of("team/p0")),
        Arguments.of(
            "... and another policy may allow it too: policies are a union",
            policies(
                ALL_BUT_IMDS,
                "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: 169.254.169.254/32}}]\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            true,
            List.of("team/p1")),
        Arguments.of(
            "ports: TCP 443 only",
            policies("podSelector: {}\npolicyTypes: [Egress]\negress:\n  - ports: [{port: 443}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "protocol: UDP 80 does not allow TCP 80",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - ports: [{port: 80, protocol: UDP}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "a protocol without a port: every port",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - ports: [{protocol: TCP}]\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            true,
            List.of("team/p0")),
        Arguments.of(
            "endPort: 1-1024 holds 80",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - ports: [{port: 1, endPort: 1024}]\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            true,
            List.of("team/p0")),
        Arguments.of(
            "endPort: 81-90 does not",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - ports: [{port: 81, endPort: 90}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "a named port never matches an IP destination",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - ports: [{port: http}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "pod and namespace selector peers select pods, not an IP",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{podSelector: {}}, {namespaceSelector: {}}]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "the probe-shaped hole: NotIn [imds-probe] selects the web pod ...",
            policies(
                DENY_ALL,
                "podSelector:\n  matchExpressions: [{key: app.kubernetes.io/name, operator: NotIn, values: [imds-probe]}]\npolicyTypes: [Egress]\negress: [{}]\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            true,
            List.of("team/p1")),
        Arguments.of(
            "... and not the probe",
            policies(
                DENY_ALL,
                "podSelector:\n  matchExpressions: [{key: app.kubernetes.io/name, operator: NotIn, values: [imds-probe]}]\npolicyTypes: [Egress]\negress: [{}]\n"),
            PROBE_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "Exists and DoesNotExist",
            policies(
                "podSelector:\n  matchExpressions: [{key: app, operator: Exists}, {key: legacy, operator: DoesNotExist}]\npolicyTypes: [Egress]\n"),
            WEB_POD,
            IMDS,
            Outcome.DENIED,
            true,
            List.of()),
        Arguments.of(
            "In with another value does not select",
            policies(
                "podSelector:\n  matchExpressions: [{key: app, operator: In, values: [api]}]\npolicyTypes: [Egress]\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            false,
            List.of()),
        Arguments.of(
            "a policy of another namespace does not select",
            List.of(
                YAML.unmarshal(
                    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: other}\nspec: {podSelector: {}, policyTypes: [Egress]}\n",
                    NetworkPolicy.class)),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            false,
            List.of()),
        Arguments.of(
            "an invalid policy selecting the pod: no answer, not a guess",
            policies(
                "podSelector:\n  matchExpressions: [{key: app, operator: Sometimes}]\npolicyTypes: [Egress]\n"),
            WEB_POD,
            IMDS,
            Outcome.UNKNOWN,
            true,
            List.of()),
        Arguments.of(
            "... unless a valid one allows it anyway",
            policies(
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]\n",
                "podSelector: {}\npolicyTypes: [Egress]\negress: [{}]\n"),
            WEB_POD,
            IMDS,
            Outcome.ALLOWED,
            true,
            List.of("team/p1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  @DisplayName("one row per rule of the semantics")
  void semantics(
      String name,
      List<NetworkPolicy> policies,
      Map<String, String> pod,
      Destination d,
      Outcome outcome,
      boolean isolated,
      List<String> by) {
    EgressPolicies.Decision decision = new EgressPolicies(policies).decide("team", pod, d);
    assertThat(decision.outcome()).as(name).isEqualTo(outcome);
    assertThat(decision.isolated()).as(name).isEqualTo(isolated);
    assertThat(decision.by()).as(name).isEqualTo(by);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(
            "podSelector:\n  matchExpressions: [{key: a, operator: Sometimes}]\n",
            "unknown operator 'Sometimes'"),
        Arguments.of(
            "podSelector:\n  matchExpressions: [{key: a, operator: Exists, values: [x]}]\n",
            "Exists takes no values"),
        Arguments.of(
            "podSelector:\n  matchExpressions: [{key: a, operator: In}]\n", "In needs values"),
        Arguments.of(
            "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/33}}]\n",
            "prefix 33 is outside 0-32"),
        Arguments.of(
            "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: banana}}]\n", "is not a CIDR"),
        Arguments.of(
            "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [169.254.169.254/32]}}]\n",
            "except 169.254.169.254/32 is outside its cidr 10.0.0.0/8"),
        Arguments.of(
            "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]\n",
            "except 10.0.0.0/8 is not a strict subset of its cidr 10.0.0.0/8"),
        Arguments.of(
            "podSelector: {}\negress:\n  - ports: [{port: 70000}]\n",
            "port 70000 is outside 1-65535"),
        Arguments.of(
            "podSelector: {}\negress:\n  - ports: [{port: 90, endPort: 80}]\n",
            "endPort 80 is below port 90"),
        Arguments.of(
            "podSelector: {}\negress:\n  - ports: [{port: http, endPort: 80}]\n",
            "endPort 80 needs a numeric port"),
        Arguments.of(
            "podSelector: {}\negress:\n  - ports: [{port: 80, protocol: ICMP}]\n",
            "protocol 'ICMP' is not TCP, UDP or SCTP"),
        Arguments.of(
            "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: 010.0.0.0/8}}]\n", "leading zero"),
        Arguments.of(
            "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/032]}}]\n",
            "ipBlock.except '169.254.169.254/032': the prefix has a leading zero"),
        Arguments.of(
            "podSelector: {}\npolicyTypes: [Outbound]\n", "'Outbound' is not Ingress or Egress"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalid")
  @DisplayName(
      "a malformed policy is reported invalid by name, never treated as allow- or deny-all")
  void invalidPolicies(String spec, String why) {
    EgressPolicies p = new EgressPolicies(policies(spec));
    assertThat(p.invalid()).containsOnlyKeys("team/p0");
    assertThat(p.invalid().get("team/p0")).contains(why);
  }

  @Test
  @DisplayName(
      "a policy whose IPv4-mapped block may hold a metadata target is named with where and why")
  void mappedNamed() {
    EgressPolicies p =
        new EgressPolicies(
            policies(
                ALL_BUT_IMDS,
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: '::ffff:10.0.0.0/104'}}, {ipBlock: {cidr: '::ffff:0:0/96'}}]\n"));
    assertThat(p.mapped(List.of(IMDS, IMDS6)))
        .containsOnlyKeys("team/p1")
        .hasEntrySatisfying(
            "team/p1",
            why ->
                assertThat(why)
                    .startsWith("spec.egress[0].to[1]: ipBlock.cidr ::ffff:0:0/96 is IPv4-mapped")
                    .endsWith("169.254.169.254:80/TCP"));
    assertThat(p.invalid()).isEmpty();
  }
}
