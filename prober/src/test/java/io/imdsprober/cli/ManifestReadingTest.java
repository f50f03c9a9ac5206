package io.imdsprober.cli;

import static io.imdsprober.cli.PolicyCommandTest.CARVE_OUT;
import static io.imdsprober.cli.PolicyCommandTest.DEPLOYMENT;
import static io.imdsprober.cli.PolicyCommandTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy --manifests} as a CI gate reads what users have (issue 22, "A gate a CI can use"):
 * what the API server returns (typed lists whose items carry no kind), lists and arrays, and a
 * repository's directory with other files in it.
 */
class ManifestReadingTest {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** The deployment and the carve-out as `kubectl get -o json` returns them: typed lists. */
  private static String typedLists() {
    Map<String, Object> deployment = JSON.unmarshal(DEPLOYMENT, Map.class);
    Map<String, Object> policy = JSON.unmarshal(CARVE_OUT, Map.class);
    deployment.remove("kind");
    deployment.remove("apiVersion");
    policy.remove("kind");
    policy.remove("apiVersion");
    return JSON.asJson(
            Map.of("apiVersion", "apps/v1", "kind", "DeploymentList", "items", List.of(deployment)))
        + "\n"
        + JSON.asJson(
            Map.of(
                "apiVersion",
                "networking.k8s.io/v1",
                "kind",
                "NetworkPolicyList",
                "items",
                List.of(policy)));
  }

  @Test
  @DisplayName(
      "typed lists (DeploymentList, NetworkPolicyList) whose items carry no kind: items take the"
          + " list's kind and apiVersion, and the carve-out protects the deployment (exit 0)")
  void typedListsFromTheApiServer(@TempDir Path dir) throws Exception {
    String[] lists = typedLists().split("\n");
    Path deployments = Files.writeString(dir.resolve("deployments.json"), lists[0]);
    Path policies = Files.writeString(dir.resolve("policies.json"), lists[1]);
    Cli.Result r =
        Cli.run(
            "policy",
            "--manifests",
            deployments.toString(),
            "--manifests",
            policies.toString(),
            "--output",
            "json");
    assertThat(r.exit()).as(r.err()).isZero();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> workloads =
        (List<Map<String, Object>>) json(r.out()).get("workloads");
    assertThat(workloads)
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w).containsEntry("name", "web").containsEntry("isolated", true);
            });
  }

  @Test
  @DisplayName(
      "kind: List, a list without a kind of its own, and a JSON array of objects are read alike;"
          + " a kind: List item without a kind is exit 3 naming file and document, no stack trace")
  void listsAndArrays(@TempDir Path dir) throws Exception {
    String list =
        "apiVersion: v1\nkind: List\nitems:\n"
            + indent(DEPLOYMENT)
            + indent(CARVE_OUT.replace("name: egress", "name: egress-list"));
    Path a = Files.writeString(dir.resolve("list.yaml"), list);
    Cli.Result listed = Cli.run("policy", "--manifests", a.toString(), "--output", "json");
    assertThat(listed.exit()).as(listed.err()).isZero();

    Path b =
        Files.writeString(
            dir.resolve("array.json"),
            JSON.asJson(
                List.of(
                    JSON.unmarshal(DEPLOYMENT, Map.class), JSON.unmarshal(CARVE_OUT, Map.class))));
    Cli.Result array = Cli.run("policy", "--manifests", b.toString(), "--output", "json");
    assertThat(array.exit()).as(array.err()).isZero();

    Path c = Files.writeString(dir.resolve("kindless.yaml"), "items:\n" + indent(DEPLOYMENT));
    assertThat(Cli.run("policy", "--manifests", c.toString()).exit())
        .as("a list without a kind whose items name theirs")
        .isEqualTo(1);

    Path d =
        Files.writeString(
            dir.resolve("bad-list.yaml"),
            "apiVersion: v1\nkind: List\nitems:\n  - metadata: {name: x}\n");
    Cli.Result bad = Cli.run("policy", "--manifests", d.toString());
    assertThat(bad.exit()).isEqualTo(3);
    assertThat(bad.err())
        .contains(d.toString())
        .contains("document 0")
        .contains("no kind")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  @DisplayName(
      "a repository scanned as a directory: package.json, a Helm template and values file and a"
          + " hidden CI file are skipped with one warning each and counted; the manifests are judged")
  void directoryWithOtherFiles(@TempDir Path dir) throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Files.writeString(repo.resolve("app.yaml"), DEPLOYMENT + "---\n" + CARVE_OUT);
    Files.writeString(repo.resolve("package.json"), "{\"name\": \"web\", \"version\": \"1.0.0\"}");
    Path chart = Files.createDirectories(repo.resolve("chart/templates"));
    Files.writeString(
        chart.resolve("deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n");
    Files.writeString(repo.resolve("chart/values.yaml"), "replicas: 2\nimage: {tag: latest}\n");
    Files.writeString(repo.resolve(".gitlab-ci.yml"), "stages: [test]\ntest:\n  script: [make]\n");
    Cli.Result r = Cli.run("policy", "--manifests", repo.toString(), "--output", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err().lines().filter(l -> l.startsWith("warning: skipped ")))
        .hasSize(4)
        .anySatisfy(l -> assertThat(l).contains("package.json"))
        .anySatisfy(l -> assertThat(l).contains("templates/deployment.yaml"))
        .anySatisfy(l -> assertThat(l).contains("values.yaml"))
        .anySatisfy(l -> assertThat(l).contains(".gitlab-ci.yml"));
    assertThat(json(r.out())).containsEntry("skipped", 4);

    Cli.Result named = Cli.run("policy", "--manifests", repo.resolve("package.json").toString());
    assertThat(named.exit()).as("a file named on the command line must parse").isEqualTo(3);
    assertThat(named.err()).contains("package.json").contains("not a Kubernetes object");
  }

  private static String indent(String yaml) {
    StringBuilder sb = new StringBuilder();
    boolean first = true;
    for (String line : yaml.strip().split("\n")) {
      sb.append(first ? "  - " : "    ").append(line).append('\n');
      first = false;
    }
    return sb.toString();
  }

  @Test
  @DisplayName(
      "the fix fed back beside the originals: two objects of the same kind, namespace and name are"
          + " a warning naming both files, never a silent merge")
  void duplicates(@TempDir Path dir) throws Exception {
    Path set = Files.createDirectories(dir.resolve("set"));
    Files.writeString(set.resolve("a-app.yaml"), DEPLOYMENT + "---\n" + CARVE_OUT);
    Files.writeString(set.resolve("b-fix.yaml"), CARVE_OUT);
    Cli.Result r = Cli.run("policy", "--manifests", set.toString());
    assertThat(r.err().lines().filter(l -> l.startsWith("warning: duplicate: ")))
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .contains("NetworkPolicy shop/egress")
                    .contains("a-app.yaml")
                    .contains("b-fix.yaml"));
  }

  @Test
  @DisplayName(
      "namespaces as sweeps select them: kube-system's node agents (no egress policy) are left out"
          + " by default and named once; emptying namespaces.exclude judges them (exit 1)")
  void namespaceSelection(@TempDir Path dir) throws Exception {
    String agent =
        """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: node-agent, namespace: kube-system}
        spec:
          selector: {matchLabels: {app: node-agent}}
          template:
            metadata: {labels: {app: node-agent}}
            spec: {containers: [{name: a, image: agent}]}
        """;
    Path set =
        Files.writeString(
            dir.resolve("set.yaml"), DEPLOYMENT + "---\n" + CARVE_OUT + "---\n" + agent);
    Cli.Result byDefault = Cli.run("policy", "--manifests", set.toString(), "--output", "json");
    assertThat(byDefault.exit()).as(byDefault.err()).isZero();
    assertThat(byDefault.err())
        .contains(
            "note: namespaces left out by namespaces.include/namespaces.exclude: kube-system");
    assertThat(byDefault.out()).doesNotContain("node-agent");

    Cli.Result all =
        Cli.run(
            "policy",
            "--manifests",
            set.toString(),
            "--set",
            "namespaces.exclude=",
            "--output",
            "json");
    assertThat(all.exit()).as(all.err()).isEqualTo(1);
    assertThat(all.out()).contains("node-agent");

    Cli.Result only =
        Cli.run(
            "policy",
            "--manifests",
            set.toString(),
            "--set",
            "namespaces.include=kube-*",
            "--set",
            "namespaces.exclude=",
            "--output",
            "json");
    assertThat(only.exit()).isEqualTo(1);
    assertThat(only.out()).contains("node-agent").doesNotContain("\"name\":\"web\"");
  }

  @Test
  @DisplayName(
      "an AWS-correct policy: with metadata.profile aws only AWS's targets are asked (exit 0);"
          + " with the default (auto, offline) every cloud's are, and Azure's are reachable (exit 1)")
  void destinationsFromTheProfile(@TempDir Path dir) throws Exception {
    String aws =
        CARVE_OUT.replace(
            "except: [169.254.169.254/32, 168.63.129.16/32, 100.100.100.200/32]",
            "except: [169.254.169.254/32]");
    Path set = Files.writeString(dir.resolve("set.yaml"), DEPLOYMENT + "---\n" + aws);
    Cli.Result every = Cli.run("policy", "--manifests", set.toString(), "--output", "json");
    assertThat(every.exit()).as(every.err()).isEqualTo(1);
    assertThat(every.out()).contains("168.63.129.16:80/TCP");
    Cli.Result onAws =
        Cli.run(
            "policy",
            "--manifests",
            set.toString(),
            "--set",
            "metadata.profile=aws",
            "--output",
            "json");
    assertThat(onAws.exit()).as(onAws.err()).isZero();
    assertThat(onAws.out()).contains("169.254.169.254:80/TCP").doesNotContain("168.63.129.16");
  }

  @Test
  @DisplayName(
      "a bad metadata.profile or namespace glob for policy mode is exit 3 naming the key, and no"
          + " verdict is printed")
  void badConfiguration(@TempDir Path dir) throws Exception {
    Path set = Files.writeString(dir.resolve("set.yaml"), DEPLOYMENT + "---\n" + CARVE_OUT);
    for (String bad : List.of("metadata.profile=ibm", "namespaces.exclude=[")) {
      Cli.Result r = Cli.run("policy", "--manifests", set.toString(), "--set", bad);
      assertThat(r.exit()).as(bad + ": " + r.err()).isEqualTo(3);
      assertThat(r.err()).contains(bad.substring(0, bad.indexOf('=')));
      assertThat(r.out()).as(bad).doesNotContain("Deployment/web");
    }
  }
}
