package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.sweep.MockCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy} as a CI pipeline runs it: manifests in, the JSON contract and an exit code out.
 */
class PolicyCommandTest {
  static final String DEPLOYMENT =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: shop}
      spec:
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec: {containers: [{name: web, image: nginx}]}
      """;
  static final String CARVE_OUT =
      """
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: egress, namespace: shop}
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to:
              - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32, 168.63.129.16/32, 100.100.100.200/32]}
              - ipBlock: {cidr: '::/0', except: ['fd00:ec2::254/128']}
      """;
  static final String HOLE =
      """
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: all-but-probe, namespace: shop}
      spec:
        podSelector:
          matchExpressions: [{key: app.kubernetes.io/name, operator: NotIn, values: [imds-probe]}]
        policyTypes: [Egress]
        egress: [{}]
      """;

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(String out) {
    return new KubernetesSerialization().unmarshal(out, Map.class);
  }

  @Test
  @DisplayName(
      "policy --manifests: names and labels with controls and line feeds come out clean, one row"
          + " per workload, valid JSON")
  void hostileNames(@TempDir Path dir) throws Exception {
    Path set = Files.createDirectories(dir.resolve("set"));
    Files.writeString(
        set.resolve("app.yaml"),
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: "web\\nFAKE   ROW\\u0000\\e[2J"
          namespace: shop
          labels: {app: "x\\ry\\u202ez"}
        spec: {containers: [{name: web, image: nginx}]}
        """);
    Cli.Result table = Cli.run("policy", "--manifests", set.toString());
    assertThat(table.exit()).isEqualTo(1);
    assertThat(table.out().lines().filter(l -> l.startsWith("shop"))).hasSize(1);
    assertThat(table.out()).doesNotContain("\u0000", "\u001b", "\r", "\u202e").contains("web FAKE");
    Cli.Result json = Cli.run("policy", "--manifests", set.toString(), "--output", "json");
    @SuppressWarnings("unchecked")
    Map<String, Object> w = ((List<Map<String, Object>>) json(json.out()).get("workloads")).get(0);
    assertThat(w.get("name")).isEqualTo("web FAKE   ROW\uFFFD\uFFFD[2J");
    assertThat(w.get("labels")).isEqualTo(Map.of("app", "x y\uFFFDz"));
  }

  @Test
  @DisplayName(
      "manifests with the carve-out: exit 0; a probe-shaped hole: exit 1 naming the policy (JSON)")
  void manifests(@TempDir Path dir) throws Exception {
    Path set = Files.createDirectories(dir.resolve("set"));
    Files.writeString(set.resolve("app.yaml"), DEPLOYMENT + "---\n" + CARVE_OUT);
    Files.writeString(set.resolve("README.md"), "not a manifest");
    Cli.Result safe = Cli.run("policy", "--manifests", set.toString(), "--output", "json");
    assertThat(safe.exit()).as(safe.err()).isZero();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> workloads =
        (List<Map<String, Object>>) json(safe.out()).get("workloads");
    assertThat(workloads)
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w)
                  .containsEntry("namespace", "shop")
                  .containsEntry("name", "web")
                  .containsEntry("kind", "Deployment")
                  .containsEntry("isolated", true);
              @SuppressWarnings("unchecked")
              List<Map<String, Object>> to = (List<Map<String, Object>>) w.get("destinations");
              assertThat(to)
                  .extracting(d -> d.get("to"))
                  .contains(
                      "169.254.169.254:80/TCP",
                      "[fd00:ec2::254]:80/TCP",
                      "168.63.129.16:32526/TCP",
                      "100.100.100.200:80/TCP");
              assertThat(to).allSatisfy(d -> assertThat(d).containsEntry("allowed", false));
            });

    Files.writeString(
        set.resolve("hole.json"),
        new KubernetesSerialization().asJson(new KubernetesSerialization().unmarshal(HOLE)));
    Cli.Result open = Cli.run("policy", "--manifests", set.toString(), "--output", "json");
    assertThat(open.exit()).as(open.err()).isEqualTo(1);
    assertThat(open.out())
        .contains(
            "{\"to\":\"169.254.169.254:80/TCP\",\"allowed\":true,\"by\":[\"shop/all-but-probe\"]}");
    Cli.Result table = Cli.run("policy", "--manifests", set.toString());
    assertThat(table.out())
        .containsPattern(
            "shop\\s+Deployment/web\\s+yes\\s+169\\.254\\.169\\.254:80/TCP.*shop/all-but-probe");
  }

  @Test
  @DisplayName(
      "policy kinds it does not read (Antrea) are named in a warning: the prediction is"
          + " incomplete; a Cilium kind is read (one without egress rules says nothing); a Calico"
          + " NetworkPolicy is read as Calico's, not as a Kubernetes one")
  void foreignKinds(@TempDir Path dir) throws Exception {
    Path set =
        Files.writeString(
            dir.resolve("set.yaml"),
            DEPLOYMENT
                + "---\n"
                + CARVE_OUT
                + """
                ---
                apiVersion: crd.antrea.io/v1beta1
                kind: NetworkPolicy
                metadata: {name: antrea, namespace: shop}
                spec: {appliedTo: [{podSelector: {}}]}
                ---
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: l7}
                spec: {endpointSelector: {}}
                """);
    Cli.Result r = Cli.run("policy", "--manifests", set.toString(), "--output", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err())
        .contains("warning: incomplete: NetworkPolicy (crd.antrea.io) in namespace shop;")
        .doesNotContain("CiliumClusterwideNetworkPolicy");
    assertThat(r.out()).contains("\"by\":[]");

    Files.writeString(
        set,
        DEPLOYMENT
            + "---\n"
            + CARVE_OUT
            + """
            ---
            apiVersion: crd.projectcalico.org/v1
            kind: NetworkPolicy
            metadata: {name: allow-all, namespace: shop}
            spec: {selector: all(), types: [Egress], egress: [{action: Allow}]}
            """);
    Cli.Result calico = Cli.run("policy", "--manifests", set.toString(), "--output", "json");
    assertThat(calico.exit()).as(calico.err()).isEqualTo(1);
    assertThat(calico.err()).doesNotContain("incomplete");
    assertThat(calico.out())
        .contains("\"by\":[\"NetworkPolicy.crd.projectcalico.org shop/allow-all\"]")
        .doesNotContain("\"shop/allow-all\"");
  }

  @Test
  @DisplayName("--to chooses destinations; objects without a namespace are in default")
  void destinations(@TempDir Path dir) throws Exception {
    Path f =
        Files.writeString(
            dir.resolve("pod.yaml"),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: lone, labels: {a: b}}\nspec: {containers: [{name: c, image: x}]}\n");
    Cli.Result r =
        Cli.run(
            "policy", "--manifests", f.toString(), "--to", "10.0.0.1:53/UDP", "--output", "json");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .contains(
            "\"namespace\":\"default\"",
            "\"kind\":\"Pod\"",
            "{\"to\":\"10.0.0.1:53/UDP\",\"allowed\":true,\"by\":[]}",
            "\"isolated\":false");
    Cli.Result bad =
        Cli.run("policy", "--manifests", f.toString(), "--to", "metadata.google.internal");
    assertThat(bad.exit()).isEqualTo(3);
    assertThat(bad.err()).contains("--to").contains("is not an IP address");
  }

  @Test
  @DisplayName(
      "bad input: an unreadable document is exit 3 naming file and index; an invalid policy is a"
          + " warning and its workloads are not judged as blocked")
  void badInput(@TempDir Path dir) throws Exception {
    Path broken = Files.writeString(dir.resolve("broken.yaml"), DEPLOYMENT + "---\nkind: [oops\n");
    Cli.Result r = Cli.run("policy", "--manifests", broken.toString());
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains(broken.toString()).contains("document 1");

    Path invalid =
        Files.writeString(
            dir.resolve("invalid.yaml"),
            DEPLOYMENT + "---\n" + CARVE_OUT.replace("0.0.0.0/0, except", "10.0.0.0/8, except"));
    Cli.Result w = Cli.run("policy", "--manifests", invalid.toString(), "--output", "json");
    assertThat(w.exit()).as("not judged is never 'blocked'").isEqualTo(1);
    assertThat(w.err())
        .contains("warning: NetworkPolicy shop/egress is invalid")
        .contains("except 169.254.169.254/32 is outside its cidr 10.0.0.0/8");
    assertThat(w.out()).contains("\"allowed\":null");

    Path none = Files.writeString(dir.resolve("only-policy.yaml"), CARVE_OUT);
    Cli.Result n = Cli.run("policy", "--manifests", none.toString());
    assertThat(n.exit()).isEqualTo(3);
    assertThat(n.err()).contains("nothing to evaluate");
    assertThat(Cli.run("policy", "--manifests", dir.resolve("missing").toString()).exit())
        .isEqualTo(3);
  }

  @Test
  @DisplayName("the live cluster: pods page by page (grouped by owner) and policies")
  void live(@TempDir Path dir) throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      cluster.namespace("shop");
      for (int i = 0; i < 3; i++) {
        cluster
            .admin
            .pods()
            .inNamespace("shop")
            .resource(
                new io.fabric8.kubernetes.api.model.PodBuilder()
                    .withNewMetadata()
                    .withName("web-" + i)
                    .withNamespace("shop")
                    .addToLabels("app", "web")
                    .addNewOwnerReference()
                    .withApiVersion("apps/v1")
                    .withKind("ReplicaSet")
                    .withName("web-7d9f")
                    .withUid("u")
                    .withController(true)
                    .endOwnerReference()
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("w")
                    .withImage("x")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
      }
      cluster
          .admin
          .network()
          .v1()
          .networkPolicies()
          .inNamespace("shop")
          .resource(
              new KubernetesSerialization()
                  .unmarshal(
                      CARVE_OUT, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class))
          .create();
      Cli.Result r =
          Cli.run("policy", "--kubeconfig", cluster.kubeconfig(dir).toString(), "--output", "json");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out())
          .contains("\"name\":\"web-7d9f\",\"kind\":\"ReplicaSet\",\"isolated\":true");
      assertThat(json(r.out()).get("workloads")).asList().hasSize(1);
    }
  }

  @Test
  @DisplayName(
      "the live cluster with metadata.profile auto: the destinations are the clouds the nodes"
          + " name (an AWS cluster is not failed on Alibaba's address), said on stderr; a node of"
          + " no known cloud brings back the whole catalog")
  void liveDestinationsFromNodes(@TempDir Path dir) throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      cluster.namespace("shop");
      cluster.node("n1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
      cluster
          .admin
          .pods()
          .inNamespace("shop")
          .resource(
              new io.fabric8.kubernetes.api.model.PodBuilder()
                  .withNewMetadata()
                  .withName("lone")
                  .withNamespace("shop")
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("w")
                  .withImage("x")
                  .endContainer()
                  .endSpec()
                  .build())
          .create();
      String kubeconfig = cluster.kubeconfig(dir).toString();
      Cli.Result aws = Cli.run("policy", "--kubeconfig", kubeconfig, "--output", "json");
      assertThat(aws.err()).contains("note: destinations: the metadata targets of aws");
      assertThat(aws.out()).contains("\"to\":\"169.254.169.254:80/TCP\"");
      assertThat(aws.out()).doesNotContain("100.100.100.200");

      cluster.node("n2", "kind://docker/kind/kind-worker", Map.of());
      Cli.Result mixed = Cli.run("policy", "--kubeconfig", kubeconfig, "--output", "json");
      assertThat(mixed.err()).contains("every metadata target of the catalog");
      assertThat(mixed.out()).contains("100.100.100.200");
    }
  }

  @Test
  @DisplayName("--fix prints the NetworkPolicies that close it, as a YAML List, and says why")
  void fix(@TempDir Path dir) throws Exception {
    Path set = Files.writeString(dir.resolve("app.yaml"), DEPLOYMENT + "---\n" + HOLE);
    Cli.Result r = Cli.run("policy", "--manifests", set.toString(), "--fix");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("fix: shop/Deployment/web: shop/all-but-probe egress[0] allows");
    Object list = new KubernetesSerialization().unmarshal(r.out());
    assertThat(list).isInstanceOf(io.fabric8.kubernetes.api.model.KubernetesList.class);
    assertThat(((io.fabric8.kubernetes.api.model.KubernetesList) list).getItems())
        .singleElement()
        .satisfies(p -> assertThat(p.getMetadata().getName()).isEqualTo("all-but-probe"));
    assertThat(r.out()).contains("169.254.169.254/32").contains("fd00:ec2::254/128");
  }

  @Test
  @DisplayName(
      "policy mode: a relabelled replica is its own row with its labels, a hostNetwork pod may"
          + " reach every target under the carve-out (NetworkPolicy does not apply): exit 1")
  void labelSetsAndHostNetwork(@TempDir Path dir) throws Exception {
    String pods =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: pg-0
          namespace: shop
          labels: {app: pg}
          ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: pg, uid: u, controller: true}]
        spec: {containers: [{name: c, image: i}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: pg-1
          namespace: shop
          labels: {app: pg, role: master}
          ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: pg, uid: u, controller: true}]
        spec: {containers: [{name: c, image: i}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: agent-x
          namespace: shop
          labels: {app: agent}
          ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: a, controller: true}]
        spec: {hostNetwork: true, containers: [{name: c, image: i}]}
        """;
    Path file = dir.resolve("shop.yaml");
    Files.writeString(file, CARVE_OUT + "---\n" + pods);
    Cli.Result r = Cli.run("policy", "--manifests", file.toString(), "--output", "json");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> workloads =
        (List<Map<String, Object>>) json(r.out()).get("workloads");
    assertThat(workloads)
        .extracting(w -> w.get("kind") + "/" + w.get("name") + " " + w.get("labels"))
        .containsExactly(
            "DaemonSet/agent {app=agent}",
            "StatefulSet/pg {app=pg, role=master}",
            "StatefulSet/pg {app=pg}");
    assertThat(workloads.get(0)).containsEntry("hostNetwork", true);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> agentTo =
        (List<Map<String, Object>>) workloads.get(0).get("destinations");
    assertThat(agentTo).allSatisfy(d -> assertThat(d).containsEntry("allowed", true));

    Cli.Result table = Cli.run("policy", "--manifests", file.toString());
    assertThat(table.out())
        .contains("StatefulSet/pg {app=pg, role=master}")
        .contains("(hostNetwork (NetworkPolicy does not apply))");
  }
}
