package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy --manifests} with Cilium's policy kinds, as a CI gate runs it: the documented
 * cluster-wide "deny metadata only" CCNP is a pass (exit 0, nothing incomplete); a
 * CiliumNetworkPolicy allowing the world over a tight NetworkPolicy is a fail naming the Cilium
 * rule; toFQDNs is named in the JSON's {@code undecided}; an invalid policy is named and never
 * counts as a deny; {@code --fix} names the Cilium rule to change instead of writing a
 * NetworkPolicy that could not close it.
 */
class PolicyCommandCiliumTest {
  static final String DENY_METADATA =
      """
      apiVersion: cilium.io/v2
      kind: CiliumClusterwideNetworkPolicy
      metadata: {name: deny-metadata}
      spec:
        endpointSelector: {}
        enableDefaultDeny: {egress: false}
        egressDeny:
          - toCIDR: [169.254.169.254/32, 168.63.129.16/32, 100.100.100.200/32, 'fd00:ec2::254/128']
      """;
  static final String WORLD =
      """
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      metadata: {name: world, namespace: shop}
      spec:
        endpointSelector: {matchLabels: {app: web}}
        egress: [{toEntities: [world]}]
      """;

  static String write(Path dir, String... docs) throws Exception {
    return Files.writeString(
            dir.resolve("set.yaml"),
            PolicyCommandTest.DEPLOYMENT + "---\n" + String.join("---\n", docs))
        .toString();
  }

  @Test
  @DisplayName(
      "only a CCNP denying the metadata addresses everywhere (enableDefaultDeny egress false):"
          + " exit 0, no incomplete, invalid or undecided warning")
  void clusterWideDeny(@TempDir Path dir) throws Exception {
    Cli.Result r = Cli.run("policy", "--manifests", write(dir, DENY_METADATA), "--output", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("incomplete", "invalid", "undecided");
    assertThat(r.out()).doesNotContain("\"allowed\":true", "\"allowed\":null");
  }

  @Test
  @DisplayName(
      "a CNP allowing the world beside a NetworkPolicy that excepts the metadata addresses:"
          + " exit 1, the CNP named as what allows it (allows are one pool under Cilium)")
  void cnpAllowBesideNetworkPolicy(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, PolicyCommandTest.CARVE_OUT, WORLD),
            "--to",
            "169.254.169.254:80",
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.out()).contains("\"allowed\":true").contains("CiliumNetworkPolicy shop/world");
  }

  @Test
  @DisplayName(
      "the deny CCNP over that CNP: exit 0 (egressDeny wins over any allow, Cilium's or a"
          + " NetworkPolicy's)")
  void denyOverAllow(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, WORLD, PolicyCommandTest.CARVE_OUT, DENY_METADATA),
            "--output",
            "json");
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
  }

  @Test
  @DisplayName(
      "a CNP with toFQDNs selecting the workload: exit 1, the rule and field named in the"
          + " warning and in the JSON's undecided, the verdict null")
  void fqdnUndecided(@TempDir Path dir) throws Exception {
    String fqdn =
        """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: fqdn, namespace: shop}
        spec:
          endpointSelector: {}
          egress: [{toFQDNs: [{matchPattern: '*.amazonaws.com'}]}]
        """;
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, fqdn),
            "--to",
            "169.254.169.254:80",
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    String why =
        "CiliumNetworkPolicy shop/fqdn egress[0].toFQDNs: not decidable for an IP destination"
            + " (the addresses come from DNS answers seen at run time)";
    assertThat(r.err()).contains("warning: undecided: " + why);
    assertThat(PolicyCommandTest.json(r.out()).get("undecided")).isEqualTo(List.of(why));
    assertThat(r.out()).contains("\"allowed\":null");
  }

  @Test
  @DisplayName(
      "a toFQDNs CNP in another namespace: the workload stays decided (only the pods a rule"
          + " could select are undecided)")
  void fqdnElsewhere(@TempDir Path dir) throws Exception {
    String fqdn =
        """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: fqdn, namespace: other}
        spec:
          endpointSelector: {}
          egress: [{toFQDNs: [{matchName: example.com}]}]
        """;
    Cli.Result r =
        Cli.run("policy", "--manifests", write(dir, fqdn, DENY_METADATA), "--output", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("undecided");
    assertThat(r.out()).doesNotContain("fqdn", "\"allowed\":null");
  }

  @Test
  @DisplayName(
      "a CCNP with an unknown entity: a warning names it invalid with the field, and the"
          + " workload it selects is not judged (exit 1, never a silent deny)")
  void invalidCcnp(@TempDir Path dir) throws Exception {
    String bad =
        """
        apiVersion: cilium.io/v2
        kind: CiliumClusterwideNetworkPolicy
        metadata: {name: bad}
        spec:
          endpointSelector: {}
          egressDeny: [{toEntities: [metadata]}]
        """;
    Cli.Result r = Cli.run("policy", "--manifests", write(dir, bad), "--to", "169.254.169.254:80");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "warning: CiliumClusterwideNetworkPolicy bad is invalid (egressDeny[0].toEntities[0]:"
                + " unsupported entity 'metadata')")
        .doesNotContain("NetworkPolicy CiliumClusterwideNetworkPolicy");
  }

  @Test
  @DisplayName(
      "a CCNP with terminal escapes in its name and CIDR: the warnings are clean, one line each")
  void hostileStrings(@TempDir Path dir) throws Exception {
    String hostile =
        """
        apiVersion: cilium.io/v2
        kind: CiliumClusterwideNetworkPolicy
        metadata: {name: "evil\\u001b[2J\\nfake: ok"}
        spec:
          endpointSelector: {}
          egressDeny: [{toCIDR: ["169.254.169.254/32\\u0007\\r\\nwarning: all good"]}]
        """;
    Cli.Result r =
        Cli.run("policy", "--manifests", write(dir, hostile), "--to", "169.254.169.254:80");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains("warning: CiliumClusterwideNetworkPolicy evil")
        .doesNotContain("\u001b", "\u0007", "\r");
    assertThat(
            r.err().lines().filter(l -> l.startsWith("fake:") || l.startsWith("warning: all good")))
        .isEmpty();
  }

  @Test
  @DisplayName(
      "--fix on a workload a CNP allows: no crash, no NetworkPolicy written for it, the note"
          + " names the CNP's rule to change")
  void fixNamesTheCiliumRule(@TempDir Path dir) throws Exception {
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, PolicyCommandTest.CARVE_OUT, WORLD),
            "--to",
            "169.254.169.254:80",
            "--fix");
    assertThat(r.err())
        .contains(
            "fix: shop/Deployment/web: CiliumNetworkPolicy shop/world egress[0] allows"
                + " 169.254.169.254:80/TCP; no NetworkPolicy takes back what that rule allows:"
                + " change that rule")
        .doesNotContain("Exception");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> items =
        (List<Map<String, Object>>)
            new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
                .unmarshal(r.out(), Map.class)
                .get("items");
    assertThat(items).isEmpty();
  }
}
