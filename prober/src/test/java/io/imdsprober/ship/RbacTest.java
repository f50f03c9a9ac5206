package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.imdsprober.config.Config;
import io.imdsprober.report.NamespaceEvents;
import io.imdsprober.serve.ProberService;
import io.imdsprober.serve.TestServe;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Least privilege, proven: the prober runs every path it has (sweeps with every kind of probe
 * outcome, orphans, leader election, Events, readiness) against the mock API server; each request
 * it made must be allowed by manifests/base/rbac.yaml, and each rule there must be needed by one.
 */
class RbacTest {
  static final String HOME = "imds-prober";

  /** One request as RBAC sees it. */
  record Access(String verb, String group, String resource, String namespace) {
    String key() {
      return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
    }
  }

  static Access access(RecordedRequest r) {
    String path = r.getPath();
    String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
    String[] seg = path.replaceAll("\\?.*", "").replaceAll("^/", "").split("/");
    int i;
    String group;
    if ((seg[0].equals("apis") && seg.length <= 3) || (seg[0].equals("api") && seg.length <= 2)) {
      // API discovery (/apis, /apis/GROUP/VERSION): every authenticated user may (the built-in
      // ClusterRole system:discovery), so no grant of ours is needed or possible
      assertThat(r.getMethod()).as("discovery is read-only: " + path).isEqualTo("GET");
      return null;
    }
    if (seg[0].equals("api")) {
      group = "";
      i = 2;
    } else if (seg[0].equals("apis")) {
      group = seg[1];
      i = 3;
    } else {
      return new Access(r.getMethod(), "nonResourceURL", "/" + String.join("/", seg), null);
    }
    String namespace = null;
    if (seg.length > i + 2 && seg[i].equals("namespaces")) {
      namespace = seg[i + 1];
      i += 2;
    }
    String resource = seg[i];
    String name = seg.length > i + 1 ? seg[i + 1] : null;
    if (seg.length > i + 2) {
      resource = resource + "/" + seg[i + 2];
    }
    String verb =
        switch (r.getMethod()) {
          case "GET" -> query.contains("watch=true") ? "watch" : name == null ? "list" : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name == null ? "deletecollection" : "delete";
          default -> r.getMethod();
        };
    return new Access(verb, group, resource, namespace);
  }

  static boolean allows(PolicyRule rule, Access a) {
    return rule.getApiGroups().contains(a.group())
        && rule.getResources().contains(a.resource())
        && rule.getVerbs().contains(a.verb());
  }

  /** Every request the prober makes on its paths, recorded by the mock API server. */
  static List<Access> recordedAccesses(Path dir) throws Exception {
    List<Access> out = new ArrayList<>();
    try (MockCluster cluster = new MockCluster();
        FakeKubelet kubelet =
            new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED))) {
      cluster.node("node-1", "aws:///eu-west-1a/i-0abc", Map.of());
      cluster.namespace(HOME);
      cluster.namespace("open");
      cluster.namespace("safe");
      cluster.namespace("refused");
      cluster.namespace("logs");
      kubelet.podName("probe-x");
      kubelet.script("open", FakeKubelet.facts(ProbeFacts.EXPOSED));
      kubelet.script(
          "refused",
          FakeKubelet.failedCreate("Error creating: pods \"x\" is forbidden: exceeded quota: q"));
      // an agent that ended by itself (exit 0) with an empty termination message: its log is read
      kubelet.script("logs", FakeKubelet.terminated("", 0));
      // a probe that runs past its deadline: the prober looks at its pod once (get pods)
      cluster.namespace("stuck");
      kubelet.script("stuck", FakeKubelet.stuck(FakeKubelet.running()));
      // a create answered 409 (a retried create that had gone through): read back (get jobs)
      cluster.namespace("retried");
      cluster
          .server
          .expect()
          .post()
          .withPath("/apis/batch/v1/namespaces/retried/jobs")
          .andReturn(409, MockCluster.status(409, "AlreadyExists", "already exists"))
          .always();
      cluster
          .server
          .expect()
          .get()
          .withPath(
              "/api/v1/namespaces/logs/pods/probe-x/log?pretty=false&tailLines=20&limitBytes=65536")
          .andReturn(
              200, ProbeFacts.PROTECTED.replace(ProbeFacts.POD_FIELD, "\"pod\":\"probe-x\"") + "\n")
          .always();
      // an orphan from a crashed sweep (the prober's clock runs 2 h ahead, so it is old)
      cluster
          .admin
          .batch()
          .v1()
          .jobs()
          .inNamespace("safe")
          .resource(MockCluster.probeJob("safe", "imds-probe-old", "20260101-000000-dead"))
          .create();
      Config config =
          TestServe.config(
              Map.of(
                  "namespaces.exclude", HOME,
                  "leaderElection.enabled", "true",
                  "leaderElection.namespace", HOME,
                  "leaderElection.leaseDuration", "3s",
                  "leaderElection.renewDeadline", "2s",
                  "leaderElection.retryPeriod", "200ms"));
      cluster.proberRequests();
      TestServe serve =
          TestServe.of(
              cluster,
              dir,
              config,
              Clock.offset(Clock.systemUTC(), Duration.ofHours(2)),
              "rbac",
              "test");
      ProberService service = serve.service();
      try {
        service.start();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    cluster.admin.v1().events().inNamespace("open").list().getItems().stream()
                            .anyMatch(e -> NamespaceEvents.EXPOSED.equals(e.getReason()))
                        && service.metrics().scrape().contains("reason=\"quota-exceeded\"")
                        && service
                            .metrics()
                            .scrape()
                            .contains("namespace=\"logs\",status=\"protected\"} 1.0")
                        && service
                            .metrics()
                            .scrape()
                            .contains("namespace=\"stuck\",status=\"error\"} 1.0")
                        && service
                            .metrics()
                            .scrape()
                            .contains("namespace=\"retried\",status=\"error\"} 1.0"));
        HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .build()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/readyz"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        service.stop(Duration.ofSeconds(5));
      } finally {
        serve.close();
      }
      assertThat(
              cluster
                  .admin
                  .batch()
                  .v1()
                  .jobs()
                  .inNamespace("safe")
                  .withName("imds-probe-old")
                  .get())
          .as("the orphan was deleted")
          .isNull();
      for (RecordedRequest r : cluster.proberRequests()) {
        Access a = access(r);
        if (a != null) {
          out.add(a);
        }
      }
    }
    return out;
  }

  private static List<Access> recorded;

  /** One recording for both RBAC shapes. */
  static synchronized List<Access> accesses(Path dir) throws Exception {
    if (recorded == null) {
      recorded = recordedAccesses(dir);
    }
    return recorded;
  }

  @Test
  @DisplayName(
      "namespaced RBAC (components/namespaced-rbac): cluster-wide only read-only rules, the rest"
          + " bound per probed namespace; every request allowed, every grant needed")
  void leastPrivilegeNamespaced(@TempDir Path dir) throws Exception {
    Path component = Manifests.MANIFESTS.resolve("components/namespaced-rbac");
    List<PolicyRule> clusterRules =
        Manifests.one(
                Manifests.objects(Files.readString(component.resolve("clusterrole.yaml"))),
                ClusterRole.class,
                "imds-prober")
            .getRules();
    assertThat(clusterRules)
        .as("cluster-wide: read-only")
        .allSatisfy(r -> assertThat(r.getVerbs()).isSubsetOf("get", "list", "watch"));
    List<PolicyRule> probeRules =
        Manifests.one(
                Manifests.objects(Files.readString(component.resolve("probe-role.yaml"))),
                ClusterRole.class,
                "imds-prober-probe")
            .getRules();
    List<HasMetadata> base =
        Manifests.objects(Files.readString(Manifests.MANIFESTS.resolve("base/rbac.yaml")));
    List<PolicyRule> homeRules =
        new java.util.ArrayList<>(Manifests.one(base, Role.class, "imds-prober-leader").getRules());
    homeRules.addAll(
        Manifests.one(
                Manifests.objects(
                    Files.readString(
                        Manifests.MANIFESTS.resolve("components/admission-policy/rbac.yaml"))),
                Role.class,
                "imds-prober-admission")
            .getRules());
    List<Access> accesses = accesses(dir);
    // the namespaces the operator binds: those the sweep probed
    Set<String> bound = new TreeSet<>();
    for (Access a : accesses) {
      if (a.namespace() != null && !HOME.equals(a.namespace())) {
        bound.add(a.namespace());
      }
    }
    assertGrantsEqualRequests(accesses, clusterRules, homeRules, probeRules, bound);
  }

  /**
   * Every request is allowed by the cluster-wide rules, the rules of the prober's own namespace, or
   * the per-namespace rules in a bound namespace; and every granted verb is used by a request.
   */
  static void assertGrantsEqualRequests(
      List<Access> accesses,
      List<PolicyRule> clusterRules,
      List<PolicyRule> homeRules,
      List<PolicyRule> perNamespaceRules,
      Set<String> bound) {
    Set<String> denied = new TreeSet<>();
    Set<String> used = new TreeSet<>();
    Map<String, List<PolicyRule>> scopes = new java.util.LinkedHashMap<>();
    for (Access a : accesses) {
      if (a.group().equals("nonResourceURL")) {
        // /version (readiness): every authenticated identity may read it
        // (system:public-info-viewer)
        assertThat(a.resource()).isEqualTo("/version");
        continue;
      }
      scopes.clear();
      scopes.put("ClusterRole", clusterRules);
      if (HOME.equals(a.namespace())) {
        scopes.put("Role", homeRules);
      }
      if (a.namespace() != null && bound.contains(a.namespace())) {
        scopes.put("PerNamespace", perNamespaceRules);
      }
      boolean ok = false;
      for (Map.Entry<String, List<PolicyRule>> scope : scopes.entrySet()) {
        for (PolicyRule rule : scope.getValue()) {
          if (allows(rule, a)) {
            ok = true;
            used.add(scope.getKey() + " " + ruleKey(rule, a));
          }
        }
      }
      if (!ok) {
        denied.add(a.key() + (a.namespace() == null ? "" : " in " + a.namespace()));
      }
    }
    assertThat(denied).as("requests the roles do not allow").isEmpty();
    Set<String> granted = new TreeSet<>();
    clusterRules.forEach(r -> granted.addAll(grants("ClusterRole", r)));
    homeRules.forEach(r -> granted.addAll(grants("Role", r)));
    perNamespaceRules.forEach(r -> granted.addAll(grants("PerNamespace", r)));
    granted.removeAll(used);
    assertThat(granted).as("grants no request needs").isEmpty();
  }

  @Test
  @DisplayName(
      "each request the prober makes is allowed by manifests/base, and each rule there is needed")
  void leastPrivilege(@TempDir Path dir) throws Exception {
    List<HasMetadata> rbac =
        Manifests.objects(Files.readString(Manifests.MANIFESTS.resolve("base/rbac.yaml")));
    List<PolicyRule> clusterRules =
        Manifests.one(rbac, ClusterRole.class, "imds-prober").getRules();
    // the overlays include the admission policy component, whose Role lets the prober read the
    // policy's parameter object at start
    List<HasMetadata> admission =
        Manifests.objects(
            Files.readString(Manifests.MANIFESTS.resolve("components/admission-policy/rbac.yaml")));
    List<PolicyRule> homeRules =
        new java.util.ArrayList<>(Manifests.one(rbac, Role.class, "imds-prober-leader").getRules());
    homeRules.addAll(Manifests.one(admission, Role.class, "imds-prober-admission").getRules());
    List<Access> accesses = accesses(dir);
    assertGrantsEqualRequests(accesses, clusterRules, homeRules, List.of(), Set.of());
    assertThat(accesses)
        .extracting(Access::key)
        .contains(
            "watch core/pods",
            "list core/pods",
            "list networking.k8s.io/networkpolicies",
            "watch networking.k8s.io/networkpolicies",
            "watch core/namespaces",
            "create batch/jobs",
            "delete batch/jobs",
            "get core/pods/log",
            "list core/events",
            "create core/events",
            "patch coordination.k8s.io/leases");
  }

  private static String ruleKey(PolicyRule rule, Access a) {
    return a.verb() + " " + (a.group().isEmpty() ? "core" : a.group()) + "/" + a.resource();
  }

  private static List<String> grants(String role, PolicyRule rule) {
    List<String> out = new ArrayList<>();
    for (String g : rule.getApiGroups()) {
      for (String r : rule.getResources()) {
        for (String v : rule.getVerbs()) {
          out.add(role + " " + v + " " + (g.isEmpty() ? "core" : g) + "/" + r);
        }
      }
    }
    return out;
  }
}
