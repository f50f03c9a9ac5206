package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy --manifests} with Calico's kinds, as a CI gate runs it: one GlobalNetworkPolicy
 * that denies the metadata addresses for every pod is a pass (exit 0, nothing undecided); a Calico
 * Allow ordered before a tight NetworkPolicy is a fail naming the Calico rule, and {@code --fix}
 * names that rule instead of writing a NetworkPolicy that would look like a fix; a rule that cannot
 * be decided for an IP destination is named in the JSON's {@code undecided}; a policy that cannot
 * be read is named and never counts as a deny.
 */
class PolicyCommandCalicoTest {
  static final String DENY_METADATA =
      """
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata: {name: deny-imds}
      spec:
        order: 10
        selector: all()
        types: [Egress]
        egress:
          - action: Deny
            destination: {nets: [169.254.169.254/32, 168.63.129.16/32, 100.100.100.200/32]}
          - action: Deny
            destination: {nets: ['fd00:ec2::254/128']}
          - action: Pass
      """;

  static final String ALLOW_METADATA =
      """
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata: {name: security.allow-imds}
      spec:
        tier: security
        selector: projectcalico.org/namespace == 'shop'
        egress: [{action: Allow, destination: {nets: [169.254.169.254/32]}}]
      ---
      apiVersion: projectcalico.org/v3
      kind: Tier
      metadata: {name: security}
      spec: {order: 100}
      """;

  static String write(Path dir, String... docs) throws Exception {
    return Files.writeString(
            dir.resolve("set.yaml"),
            PolicyCommandTest.DEPLOYMENT + "---\n" + String.join("---\n", docs))
        .toString();
  }

  @Test
  @DisplayName("only a GlobalNetworkPolicy denying the metadata addresses everywhere: exit 0")
  void clusterWideDeny(@TempDir Path dir) throws Exception {
    Cli.Result r = Cli.run("policy", "--manifests", write(dir, DENY_METADATA), "--output", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("incomplete", "invalid", "undecided");
    assertThat(r.out()).contains("\"allowed\":false").doesNotContain("\"allowed\":true");
  }

  @Test
  @DisplayName(
      "a StagedGlobalNetworkPolicy that would allow everything, ordered first: noted as not"
          + " enforced, and the enforced deny still decides (exit 0)")
  void stagedIsNotedNeverDecides(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(
                dir,
                DENY_METADATA,
                """
                apiVersion: projectcalico.org/v3
                kind: StagedGlobalNetworkPolicy
                metadata: {name: open-all}
                spec: {order: 1, selector: all(), types: [Egress], egress: [{action: Allow}]}
                """),
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err())
        .contains(
            "note: not enforced: StagedGlobalNetworkPolicy open-all: staged, Calico does not"
                + " enforce it");
    assertThat(r.out()).doesNotContain("\"allowed\":true");
  }

  @Test
  @DisplayName(
      "a Calico Allow in a tier before a NetworkPolicy that excepts the metadata addresses: exit"
          + " 1, the Calico rule named")
  void calicoAllowBeatsNetworkPolicy(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, PolicyCommandTest.CARVE_OUT, ALLOW_METADATA),
            "--to",
            "169.254.169.254:80",
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.out())
        .contains("\"allowed\":true")
        .contains("GlobalNetworkPolicy security.allow-imds");
  }

  @Test
  @DisplayName("--fix on a workload a Calico rule allows: no crash, the note names the rule")
  void fixNamesTheCalicoRule(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, PolicyCommandTest.CARVE_OUT, ALLOW_METADATA),
            "--to",
            "169.254.169.254:80",
            "--fix");
    assertThat(r.exit()).as(r.err()).isIn(0, 1);
    assertThat(r.err())
        .contains(
            "shop/Deployment/web: GlobalNetworkPolicy security.allow-imds egress[0] allows"
                + " 169.254.169.254:80/TCP; no NetworkPolicy takes back what that rule allows")
        .doesNotContain("Exception");
  }

  @Test
  @DisplayName(
      "a rule to a Kubernetes Service: the workload is not judged, the rule and field named in"
          + " the warning and in the JSON's undecided")
  void servicesUndecided(@TempDir Path dir) throws Exception {
    String services =
        """
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata: {name: to-api}
        spec:
          order: 1
          selector: app == 'web'
          egress: [{action: Allow, destination: {services: {name: api, namespace: shop}}}]
        """;
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, services, DENY_METADATA),
            "--to",
            "169.254.169.254:80",
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    String why =
        "GlobalNetworkPolicy to-api egress[0].destination.services: a Kubernetes Service's"
            + " endpoints, not known here";
    assertThat(r.err()).contains("warning: undecided: " + why);
    assertThat(PolicyCommandTest.json(r.out()).get("undecided")).isEqualTo(List.of(why));
    assertThat(r.out()).contains("\"allowed\":null");
  }

  @Test
  @DisplayName(
      "a GlobalNetworkPolicy whose selector does not parse: named invalid, the workload not"
          + " judged (exit 1, never a silent deny)")
  void invalidSelector(@TempDir Path dir) throws Exception {
    String bad =
        """
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata: {name: bad-sel}
        spec:
          order: 1
          selector: "app == web"
          egress: [{action: Deny, destination: {nets: [169.254.169.254/32]}}]
        """;
    Cli.Result r = Cli.run("policy", "--manifests", write(dir, bad), "--to", "169.254.169.254:80");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains("warning: GlobalNetworkPolicy bad-sel is invalid (spec.selector 'app == web'");
  }

  @Test
  @DisplayName(
      "a GlobalNetworkPolicy with terminal escapes in its name and selector: the warnings are"
          + " clean, one line each")
  void hostileStrings(@TempDir Path dir) throws Exception {
    String hostile =
        """
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata: {name: "evil\\u001b[2J\\nfake: ok"}
        spec:
          order: 1
          selector: "app == 'web\\u0007\\r\\nwarning: all good"
          egress: [{action: Deny, destination: {nets: ["169.254.169.254/32\\u001b[1m"]}}]
        """;
    Cli.Result r =
        Cli.run("policy", "--manifests", write(dir, hostile), "--to", "169.254.169.254:80");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains("warning: GlobalNetworkPolicy evil")
        .doesNotContain("\u001b", "\u0007", "\r");
    assertThat(
            r.err().lines().filter(l -> l.startsWith("fake:") || l.startsWith("warning: all good")))
        .isEmpty();
  }
}
