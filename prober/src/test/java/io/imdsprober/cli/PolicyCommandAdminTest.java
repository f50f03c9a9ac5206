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
 * {@code policy --manifests} with the admin policy kinds, as a CI gate runs it: one ANP that denies
 * the metadata addresses for every namespace is a pass (exit 0, nothing incomplete); an ANP that
 * allows them over a tight NetworkPolicy is a fail naming the ANP's rule; an ANP that cannot be
 * read is named and never counts as a deny.
 */
class PolicyCommandAdminTest {
  static final String DENY_METADATA =
      """
      apiVersion: policy.networking.k8s.io/v1alpha1
      kind: AdminNetworkPolicy
      metadata: {name: deny-imds}
      spec:
        priority: 10
        subject: {namespaces: {}}
        egress:
          - action: Deny
            to:
              - networks: [169.254.169.254/32, 168.63.129.16/32, 100.100.100.200/32, 'fd00:ec2::254/128']
      """;

  static String write(Path dir, String... docs) throws Exception {
    return Files.writeString(
            dir.resolve("set.yaml"),
            PolicyCommandTest.DEPLOYMENT + "---\n" + String.join("---\n", docs))
        .toString();
  }

  @Test
  @DisplayName(
      "only an ANP denying the metadata addresses everywhere: exit 0, no incomplete warning")
  void clusterWideDeny(@TempDir Path dir) throws Exception {
    Cli.Result r = Cli.run("policy", "--manifests", write(dir, DENY_METADATA), "--output", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("incomplete", "invalid", "undecided");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> workloads =
        (List<Map<String, Object>>) PolicyCommandTest.json(r.out()).get("workloads");
    assertThat(workloads)
        .singleElement()
        .satisfies(w -> assertThat(w.get("isolated")).isEqualTo(true));
    assertThat(r.out()).doesNotContain("\"allowed\":true");
  }

  @Test
  @DisplayName(
      "an ANP Allow over a NetworkPolicy that excepts the metadata addresses: exit 1, the ANP"
          + " named as what allows it")
  void anpAllowBeatsNetworkPolicy(@TempDir Path dir) throws Exception {
    String allow =
        """
        apiVersion: policy.networking.k8s.io/v1alpha1
        kind: AdminNetworkPolicy
        metadata: {name: allow-imds}
        spec:
          priority: 1
          subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
          egress: [{action: Allow, to: [{networks: [169.254.169.254/32]}]}]
        """;
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, PolicyCommandTest.CARVE_OUT, allow),
            "--to",
            "169.254.169.254:80",
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.out()).contains("\"allowed\":true").contains("AdminNetworkPolicy allow-imds");
  }

  @Test
  @DisplayName(
      "an ANP with an unknown action: a warning names it invalid, and the workload it selects is"
          + " not judged (exit 1, never a silent deny)")
  void invalidAnp(@TempDir Path dir) throws Exception {
    String drop =
        """
        apiVersion: policy.networking.k8s.io/v1alpha1
        kind: AdminNetworkPolicy
        metadata: {name: drop-imds}
        spec:
          priority: 1
          subject: {namespaces: {}}
          egress: [{action: Drop, to: [{networks: [169.254.169.254/32]}]}]
        """;
    Cli.Result r =
        Cli.run(
            "policy", "--manifests", write(dir, drop, DENY_METADATA), "--to", "169.254.169.254:80");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "warning: AdminNetworkPolicy drop-imds is invalid (spec.egress[0].action 'Drop' is not"
                + " an action of AdminNetworkPolicy)");
  }

  @Test
  @DisplayName(
      "an ANP with a nodes peer: the workload is not judged, the rule and field named in the"
          + " warning and in the JSON's undecided")
  void nodesPeer(@TempDir Path dir) throws Exception {
    String nodes =
        """
        apiVersion: policy.networking.k8s.io/v1alpha1
        kind: AdminNetworkPolicy
        metadata: {name: to-nodes}
        spec:
          priority: 1
          subject: {namespaces: {}}
          egress: [{action: Allow, to: [{nodes: {matchLabels: {pool: infra}}}]}]
        """;
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            write(dir, nodes, DENY_METADATA),
            "--to",
            "169.254.169.254:80",
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    String why =
        "AdminNetworkPolicy to-nodes egress[0].to[0].nodes: a node peer holds the nodes'"
            + " addresses, which are not known here";
    assertThat(r.err()).contains("warning: undecided: " + why);
    assertThat(PolicyCommandTest.json(r.out()).get("undecided")).isEqualTo(List.of(why));
    assertThat(r.out()).contains("\"allowed\":null");
  }

  @Test
  @DisplayName(
      "an unvalidated ANP with terminal escapes in its name and CIDR: the warnings are clean, one"
          + " line each")
  void hostileStrings(@TempDir Path dir) throws Exception {
    String hostile =
        """
        apiVersion: policy.networking.k8s.io/v1alpha1
        kind: AdminNetworkPolicy
        metadata: {name: "evil\\u001b[2J\\nfake: ok"}
        spec:
          priority: 1
          subject: {namespaces: {}}
          egress: [{action: Deny, to: [{networks: ["169.254.169.254/32\\u0007\\r\\nwarning: all good"]}]}]
        """;
    Cli.Result r =
        Cli.run("policy", "--manifests", write(dir, hostile), "--to", "169.254.169.254:80");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains("warning: AdminNetworkPolicy evil")
        .doesNotContain("\u001b", "\u0007", "\r");
    assertThat(
            r.err().lines().filter(l -> l.startsWith("fake:") || l.startsWith("warning: all good")))
        .isEmpty();
  }
}
