package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team findings against the Calico and Cilium families, through {@code policy --manifests} as a
 * CI gate runs it. Each test states what a tenant with {@code edit} in one namespace can do and
 * asserts the honest outcome: these FAIL on the code they were written against.
 */
class RedTeamCniPolicyTest {
  /** A second tenant's workload, in the attacker's own namespace. */
  static final String TENANT_DEPLOYMENT =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: app, namespace: tenant}
      spec:
        selector: {matchLabels: {app: app}}
        template:
          metadata: {labels: {app: app}}
          spec: {containers: [{name: app, image: nginx}]}
      """;

  static String write(Path dir, String... docs) throws Exception {
    return Files.writeString(dir.resolve("set.yaml"), String.join("---\n", docs)).toString();
  }

  /**
   * The same for the admin tier: an AdminNetworkPolicy Deny of port 1 is not a deny of "any port".
   */
  @Test
  @DisplayName("an AdminNetworkPolicy Deny of port 1 is not read as denying 'any port'")
  void adminDenyOfOnePortIsNotAnyPort(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(
                dir,
                TENANT_DEPLOYMENT,
                """
                apiVersion: policy.networking.k8s.io/v1alpha1
                kind: AdminNetworkPolicy
                metadata: {name: looks-tight}
                spec:
                  priority: 10
                  subject: {namespaces: {}}
                  egress:
                    - name: one-port
                      action: Deny
                      to: [{networks: [169.254.169.254/32]}]
                      ports: [{portNumber: {protocol: TCP, port: 1}}]
                """),
            "--to",
            "169.254.169.254",
            "--output",
            "json");
    assertThat(r.out()).as(r.err()).doesNotContain("\"allowed\":false");
    assertThat(r.exit()).as(r.err()).isNotZero();
  }

  /**
   * Finding 1 (hides exposure), Calico: {@code --to 169.254.169.254} without a port means "any
   * port" (README). A Deny of port 1 only is read as holding "any port": the workload is reported
   * denied, while Calico denies port 1 and the metadata service on port 80 stays reachable.
   */
  @Test
  @DisplayName(
      "Calico: a Deny of TCP port 1 to the metadata address is not a deny of 'any port' (--to"
          + " without a port)")
  void calicoDenyOfOnePortIsNotAnyPort(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(
                dir,
                TENANT_DEPLOYMENT,
                """
                apiVersion: projectcalico.org/v3
                kind: NetworkPolicy
                metadata: {name: looks-tight, namespace: tenant}
                spec:
                  selector: all()
                  types: [Egress]
                  egress:
                    - action: Deny
                      protocol: TCP
                      destination: {nets: [169.254.169.254/32], ports: [1]}
                    - action: Allow
                """),
            "--to",
            "169.254.169.254",
            "--output",
            "json");
    // port 80 (and every port but 1) is allowed by the second rule: never "denied" for any port
    assertThat(r.out()).as(r.err()).doesNotContain("\"allowed\":false");
    assertThat(r.exit()).as(r.err()).isNotZero();
  }

  /** Finding 1, Cilium: the same with an {@code egressDeny} on port 1. */
  @Test
  @DisplayName(
      "Cilium: an egressDeny of port 1 to the metadata address is not a deny of 'any port' (--to"
          + " without a port)")
  void ciliumDenyOfOnePortIsNotAnyPort(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(
                dir,
                TENANT_DEPLOYMENT,
                """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: looks-tight, namespace: tenant}
                spec:
                  endpointSelector: {}
                  egress: [{toEntities: [world]}]
                  egressDeny:
                    - toCIDR: [169.254.169.254/32]
                      toPorts: [{ports: [{port: "1", protocol: TCP}]}]
                """),
            "--to",
            "169.254.169.254",
            "--output",
            "json");
    assertThat(r.out()).as(r.err()).doesNotContain("\"allowed\":false");
    assertThat(r.exit()).as(r.err()).isNotZero();
  }

  /**
   * Red-team F6: a tenant's CiliumNetworkPolicy that selects nothing, in a Calico cluster. Which
   * CNI enforces cannot be read from the objects; Calico's GlobalNetworkPolicy denies shop's
   * workload, under Cilium nothing would: the answer is undecided, naming both, never "denied" (the
   * gate fails, the safe side). Where both CNIs would say the same, that word stands
   * (ConflictingCnis).
   */
  @Test
  @DisplayName(
      "a CiliumNetworkPolicy in namespace tenant beside Calico's cluster-wide deny: where the two"
          + " CNIs disagree the workload is undecided, naming both, never denied")
  void foreignCniObjectWhereTheyDisagreeIsUndecided(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(
                dir,
                PolicyCommandTest.DEPLOYMENT,
                PolicyCommandCalicoTest.DENY_METADATA,
                """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: mine, namespace: tenant}
                spec:
                  endpointSelector: {matchLabels: {app: nothing-here}}
                  egress: [{toEntities: [world]}]
                """),
            "--output",
            "json");
    // which CNI enforces cannot be read from the objects, and here they disagree (Calico's GNP
    // denies, under Cilium nothing would): never read as protected, the reason names both
    assertThat(r.out()).doesNotContain("\"allowed\":false");
    assertThat(r.err()).contains("say different things here");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
  }

  /**
   * Finding 3 (wrong other namespace): a NetworkSet in the attacker's namespace whose nets do not
   * parse (the crd.projectcalico.org/v1 kind, which no API server validates), labelled so that the
   * platform's GlobalNetworkPolicy rule selector matches it, makes every workload of every
   * namespace undecided, though its content cannot be the metadata address: the attacker turns the
   * whole cluster's gate red from one namespace.
   */
  @Test
  @DisplayName(
      "an unreadable NetworkSet in namespace tenant does not undecide shop's workload under a"
          + " global allow-list policy")
  void invalidTenantNetworkSetUndecidesEveryNamespace(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(
                dir,
                PolicyCommandTest.DEPLOYMENT,
                """
                apiVersion: projectcalico.org/v3
                kind: GlobalNetworkPolicy
                metadata: {name: egress-allow-list}
                spec:
                  order: 10
                  selector: all()
                  types: [Egress]
                  egress:
                    - action: Deny
                      destination: {nets: [169.254.169.254/32, 168.63.129.16/32, 100.100.100.200/32]}
                    - action: Deny
                      destination: {nets: ['fd00:ec2::254/128']}
                    - action: Allow
                      destination: {selector: egress == 'approved'}
                """,
                """
                apiVersion: crd.projectcalico.org/v1
                kind: NetworkSet
                metadata: {name: junk, namespace: tenant, labels: {egress: approved}}
                spec: {nets: [not-a-cidr]}
                """),
            "--output",
            "json");
    // the metadata Deny rules come first and decide before the set is ever consulted: shop is
    // denied whatever the set holds
    assertThat(r.out()).as(r.err()).doesNotContain("\"allowed\":null");
    assertThat(r.exit()).as(r.err()).isZero();
  }

  /**
   * Finding 6 (hides exposure, own namespace): Cilium confines a CiliumNetworkPolicy's
   * endpointSelector to its namespace by adding {@code matchLabels[k8s:io.kubernetes.pod.namespace]
   * = <policy namespace>} (pkg/k8s/apis/cilium.io/utils ParseToCiliumRule, AddMatch): a {@code
   * matchExpressions} entry on that key stays, and ANDed with it selects nothing. The evaluator
   * skips every In requirement on the namespace key of a namespaced policy, so it reads the
   * egressDeny as applying to every pod of the namespace: denied, where Cilium selects no pod.
   */
  @Test
  @DisplayName(
      "Cilium: an egressDeny whose endpointSelector requires another namespace (matchExpressions)"
          + " selects no pod: the workload is not denied")
  void ciliumNamespaceExpressionSelectsNothing(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(
                dir,
                TENANT_DEPLOYMENT,
                """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: looks-tight, namespace: tenant}
                spec:
                  endpointSelector:
                    matchExpressions:
                      - {key: k8s:io.kubernetes.pod.namespace, operator: In, values: [elsewhere]}
                  egressDeny: [{toCIDR: [169.254.169.254/32]}]
                """),
            "--to",
            "169.254.169.254:80",
            "--output",
            "json");
    assertThat(r.out()).as(r.err()).doesNotContain("\"allowed\":false");
    assertThat(r.exit()).as(r.err()).isNotZero();
  }

  /**
   * Finding 2, second shape: in a Cilium cluster that still serves Calico's CRDs (a migration), a
   * StagedNetworkPolicy, which Calico never enforces, in the attacker's namespace is enough: every
   * pod the platform's CiliumClusterwideNetworkPolicy protects, in every namespace, is undecided.
   */
  @Test
  @DisplayName(
      "a Calico StagedNetworkPolicy in namespace tenant does not make shop's Cilium-denied"
          + " workload undecided")
  void stagedCalicoObjectUndecidesCiliumCluster(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(
                dir,
                PolicyCommandTest.DEPLOYMENT,
                """
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: deny-imds}
                spec:
                  endpointSelector: {}
                  enableDefaultDeny: {egress: false, ingress: false}
                  egressDeny:
                    - toCIDR: [169.254.169.254/32, 168.63.129.16/32, 100.100.100.200/32, "fd00:ec2::254/128"]
                """,
                """
                apiVersion: projectcalico.org/v3
                kind: StagedNetworkPolicy
                metadata: {name: draft, namespace: tenant}
                spec: {selector: all(), types: [Egress], egress: [{action: Allow}]}
                """),
            "--output",
            "json");
    assertThat(r.out()).as(r.err()).doesNotContain("\"allowed\":null");
    assertThat(r.exit()).as(r.err()).isZero();
  }
}
