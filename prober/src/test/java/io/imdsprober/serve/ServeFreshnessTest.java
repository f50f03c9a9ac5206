package io.imdsprober.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.imdsprober.sweep.CutProxy;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve publishes each namespace as its probe finishes and re-probes a namespace seconds after a
 * change to it (DESIGN.md "Scale and freshness"). The on-call engineer's question: when a tenant
 * opens the metadata service with a NetworkPolicy change, how soon does the prober say so?
 */
class ServeFreshnessTest {
  static final Pattern JOB_PATH =
      Pattern.compile("^/apis/batch/v1/namespaces/([^/]+)/jobs(/[^?]+)?");

  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;
  TestServe serve;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
  }

  @AfterEach
  void tearDown() {
    if (serve != null) {
      serve.close();
    }
    kubelet.close();
    cluster.close();
  }

  ProberService start(Map<String, String> keys) throws Exception {
    Map<String, String> all = new HashMap<>(Map.of("serve.changeDebounce", "200ms"));
    all.putAll(keys);
    serve = TestServe.of(cluster, dir, TestServe.config(all), Clock.systemUTC(), "fresh", "test");
    serve.service().start();
    return serve.service();
  }

  static String status(String ns, String verdict) {
    return "imds_prober_namespace_status{namespace=\"" + ns + "\",status=\"" + verdict + "\"} 1.0";
  }

  NetworkPolicy policy(String ns, String name, String cidr) {
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withNewPodSelector()
        .endPodSelector()
        .withPolicyTypes("Egress")
        .addNewEgress()
        .addNewTo()
        .withNewIpBlock()
        .withCidr(cidr)
        .endIpBlock()
        .endTo()
        .endEgress()
        .endSpec()
        .build();
  }

  /**
   * Serve with one namespace, team, judged protected by the first sweep (no sweep after it for an
   * hour); from then on the network answers team's probes as exposed.
   */
  ProberService teamProtectedThenOpen(Map<String, String> keys) throws Exception {
    cluster.namespace("team");
    Map<String, String> all =
        new HashMap<>(Map.of("serve.interval", "1h", "serve.pacing", "false"));
    all.putAll(keys);
    ProberService s = start(all);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> s.metrics().scrape().contains(status("team", "protected")));
    kubelet.script("team", FakeKubelet.facts(ProbeFacts.EXPOSED));
    return s;
  }

  /** A tenant (or admin) changes a namespace's metadata. */
  void editNamespace(
      String name, java.util.function.Consumer<io.fabric8.kubernetes.api.model.ObjectMeta> change) {
    cluster
        .admin
        .namespaces()
        .withName(name)
        .edit(
            n -> {
              change.accept(n.getMetadata());
              return n;
            });
  }

  /** A tenant of team opens its egress to everything with a NetworkPolicy. */
  void openTeam() {
    cluster
        .admin
        .network()
        .v1()
        .networkPolicies()
        .resource(policy("team", "open", "0.0.0.0/0"))
        .create();
  }

  @Test
  @DisplayName(
      "a fast namespace's result is on /metrics while a slow one's probe still runs; the sweep's"
          + " own count only when it ends")
  void publishAsYouGo() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    cluster.namespace("fast");
    cluster.namespace("slow");
    kubelet.script(
        "slow",
        (k, job) -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          FakeKubelet.facts(ProbeFacts.PROTECTED).run(k, job);
        });
    ProberService s = start(Map.of("serve.interval", "1h", "serve.pacing", "false"));
    await("the fast namespace, before the slow one ends")
        .atMost(Duration.ofSeconds(15))
        .until(() -> s.metrics().scrape().contains(status("fast", "protected")));
    String during = s.metrics().scrape();
    assertThat(during).doesNotContain("namespace=\"slow\",status=");
    assertThat(during).contains("imds_prober_sweeps_total{result=\"complete\"} 0.0");
    assertThat(during).contains("imds_prober_namespaces{status=\"protected\"} 1.0");
    release.countDown();
    await("the slow namespace, then the sweep")
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                s.metrics().scrape().contains(status("slow", "protected"))
                    && s.metrics()
                        .scrape()
                        .contains("imds_prober_sweeps_total{result=\"complete\"} 1.0"));
  }

  @Test
  @DisplayName(
      "between sweeps: a NetworkPolicy created re-probes its namespace within seconds; a new"
          + " namespace is probed; an imds-prober.io annotation change takes effect; a deleted"
          + " namespace loses its series; nothing else is re-probed")
  void changesReprobe() throws Exception {
    cluster.namespace("team");
    cluster.namespace("quiet");
    ProberService s = start(Map.of("serve.interval", "1h", "serve.pacing", "false"));
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                s.metrics().scrape().contains(status("team", "protected"))
                    && s.metrics().scrape().contains(status("quiet", "protected")));
    assertThat(kubelet.jobsSeen).containsExactlyInAnyOrder("team", "quiet");

    // a tenant opens egress with a policy; the network now answers the probe
    kubelet.script("team", FakeKubelet.facts(ProbeFacts.EXPOSED));
    cluster.proberRequests(); // from here on: the re-probe's requests
    long t0 = System.nanoTime();
    openTeam();
    await("team re-probed after its policy changed")
        .atMost(Duration.ofSeconds(10))
        .until(() -> s.metrics().scrape().contains(status("team", "exposed")));
    System.out.printf(
        "CHANGE TO RESULT: %d ms (debounce 200 ms, instant kubelet)%n",
        (System.nanoTime() - t0) / 1_000_000);
    List<String> paths =
        cluster.proberRequests().stream()
            .filter(q -> !q.getPath().contains("watch=true"))
            .map(q -> q.getMethod() + " " + q.getPath())
            .toList();
    assertThat(paths)
        .as(
            "the re-probe lists the namespace's pods; namespaces and policies come from the watch"
                + " that saw the change, nodes and API discovery from the last sweep")
        .anyMatch(p -> p.startsWith("GET /api/v1/namespaces/team/pods?"))
        .noneMatch(p -> p.startsWith("GET /api/v1/pods?limit"))
        .noneMatch(p -> p.contains("networkpolicies"))
        .noneMatch(p -> p.matches("GET /api/v1/namespaces(\\?.*)?"))
        .noneMatch(p -> p.startsWith("GET /api/v1/nodes"))
        .noneMatch(p -> p.startsWith("GET /apis?") || p.equals("GET /apis"));
    System.out.println("RE-PROBE REQUESTS: " + paths);
    assertThat(s.metrics().scrape())
        .containsPattern("imds_prober_change_to_result_seconds_count 1(\\.0)?\n")
        .contains("imds_prober_policy_workloads_exposed{namespace=\"team\"}")
        .contains(status("quiet", "protected"));

    cluster.namespace("late");
    await("a new namespace is probed without waiting for the next sweep")
        .atMost(Duration.ofSeconds(10))
        .until(() -> s.metrics().scrape().contains(status("late", "protected")));

    editNamespace("quiet", m -> m.setAnnotations(Map.of("imds-prober.io/skip", "true")));
    await("an opt-out takes effect")
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                s.metrics()
                    .scrape()
                    .contains(
                        "imds_prober_namespace_optout{kind=\"skip\",namespace=\"quiet\"} 1.0"));
    assertThat(s.metrics().scrape()).doesNotContain("namespace=\"quiet\",status=");

    cluster.admin.namespaces().withName("late").delete();
    await("a deleted namespace loses its series")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !s.metrics().scrape().contains("namespace=\"late\""));
    assertThat(kubelet.jobsSeen.stream().filter("quiet"::equals).count())
        .as("quiet was never re-probed: only its opt-out changed, and it is now skipped")
        .isEqualTo(1);
  }

  @Test
  @DisplayName(
      "a storm of policy changes (600 in a burst over 3 namespaces, while sweeps run every"
          + " second) coalesces: never two probes of a namespace at once, a handful of re-probes,"
          + " and the scheduled sweeps go on")
  void storm() throws Exception {
    List<String> names = List.of("s1", "s2", "s3");
    names.forEach(cluster::namespace);
    ProberService s = start(Map.of("serve.interval", "1s", "probe.maxInFlight", "2"));
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> s.metrics().scrape().contains(status("s3", "protected")));
    for (int i = 0; i < 200; i++) {
      for (String ns : names) {
        cluster
            .admin
            .network()
            .v1()
            .networkPolicies()
            .resource(policy(ns, "p", "10.0." + (i % 250) + ".0/24"))
            .createOr(op -> op.update());
      }
    }
    double sweepsAfterStorm = completeSweeps(s);
    await("scheduled sweeps go on after the storm")
        .atMost(Duration.ofSeconds(20))
        .until(() -> completeSweeps(s) >= sweepsAfterStorm + 2);
    Thread.sleep(2000); // the last re-probes end
    s.stop(Duration.ofSeconds(5));

    Map<String, Integer> open = new HashMap<>();
    int max = 0;
    int maxAll = 0;
    int all = 0;
    int creates = 0;
    for (RecordedRequest q : cluster.proberRequests()) {
      Matcher m = JOB_PATH.matcher(q.getPath());
      if (!m.find()) {
        continue;
      }
      if (q.getMethod().equals("POST")) {
        creates++;
        max = Math.max(max, open.merge(m.group(1), 1, Integer::sum));
        maxAll = Math.max(maxAll, ++all);
      } else if (q.getMethod().equals("DELETE") && m.group(2) != null) {
        open.merge(m.group(1), -1, Integer::sum);
        all--;
      }
    }
    assertThat(max).as("probe Jobs of one namespace at once").isEqualTo(1);
    assertThat(maxAll)
        .as("probe Jobs in flight, scheduled and re-probes together")
        .isLessThanOrEqualTo(2);
    System.out.printf(
        "STORM: 600 policy changes, %d probe Jobs in all, %.0f complete sweeps%n",
        creates, completeSweeps(s));
  }

  @Test
  @DisplayName(
      "pacing: a sweep's probe starts are spread over the interval less room for the last probe"
          + " (4 namespaces, 20 s interval, 5 s deadline: starts 2.25 s apart), not one burst")
  void pacing() throws Exception {
    Map<String, Long> started = new java.util.concurrent.ConcurrentHashMap<>();
    for (String ns : List.of("p1", "p2", "p3", "p4")) {
      cluster.namespace(ns);
      kubelet.script(
          ns,
          (k, job) -> {
            started.putIfAbsent(ns, System.nanoTime());
            FakeKubelet.facts(ProbeFacts.PROTECTED).run(k, job);
          });
    }
    // room: 2 x (5 s deadline + 0.5 s grace) = 11 s; spread: 20 s - 11 s = 9 s, 2.25 s per start
    ProberService s =
        start(
            Map.of(
                "serve.interval", "20s", "probe.deadline", "5s", "serve.reactToChanges", "false"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> started.size() == 4 && s.metrics().scrape().contains(status("p4", "protected")));
    List<Long> times = started.values().stream().sorted().toList();
    long firstToLast = (times.get(3) - times.get(0)) / 1_000_000;
    assertThat(firstToLast).as("ms from the first start to the last").isBetween(5_500L, 9_000L);
    for (int i = 1; i < 4; i++) {
      assertThat((times.get(i) - times.get(i - 1)) / 1_000_000)
          .as("ms between starts")
          .isGreaterThan(1_500L);
    }
  }

  @Test
  @DisplayName(
      "a watch that drops (every connection cut while a tenant adds a policy, the resumed watch"
          + " answered 410 Gone) re-lists and misses no change")
  void watchDropResumes() throws Exception {
    cluster.namespace("team");
    try (CutProxy proxy = new CutProxy(java.net.URI.create(cluster.url()).getPort())) {
      Path kubeconfig =
          java.nio.file.Files.writeString(
              dir.resolve("proxied"),
              java.nio.file.Files.readString(cluster.kubeconfig(dir))
                  .replace(cluster.url(), proxy.url()));
      Map<String, String> keys =
          new HashMap<>(
              Map.of(
                  "serve.changeDebounce",
                  "200ms",
                  "serve.interval",
                  "1h",
                  "serve.pacing",
                  "false"));
      serve = TestServe.of(kubeconfig, TestServe.config(keys), "dropped");
      ProberService s = serve.service();
      s.start();
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> s.metrics().scrape().contains(status("team", "protected")));

      kubelet.script("team", FakeKubelet.facts(ProbeFacts.EXPOSED));
      var resumeRefused =
          cluster.expireOnce(
              q ->
                  q.getPath().startsWith("/apis/networking.k8s.io/v1/networkpolicies?")
                      && q.getPath().contains("watch=true"));
      proxy.cut();
      openTeam();
      Thread.sleep(1500);
      proxy.restore();
      await("the change made while the watch was down is seen once it is back")
          .atMost(Duration.ofSeconds(30))
          .until(() -> s.metrics().scrape().contains(status("team", "exposed")));
      assertThat(resumeRefused.get())
          .as("the policy informer resumed its watch after the cut, was told 410 and re-listed")
          .isTrue();
    }
  }

  @Test
  @DisplayName(
      "a re-probe predicts with the policies as the watch holds them: a deny-all egress policy"
          + " that the network does not enforce is 'not enforced' at once")
  void reprobeUsesWatchedPolicies() throws Exception {
    ProberService s = teamProtectedThenOpen(Map.of());
    cluster
        .admin
        .network()
        .v1()
        .networkPolicies()
        .resource(MockCluster.denyEgress("team"))
        .create();
    await("the re-probe sees the policy it was woken by")
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                s.metrics()
                    .scrape()
                    .contains(
                        "imds_prober_policy_drift{kind=\"not-enforced\",namespace=\"team\"}"
                            + " 1.0"));
    assertThat(s.metrics().scrape()).contains(status("team", "exposed"));
  }

  @Test
  @DisplayName(
      "a namespace whose label change takes it out of namespaces.selector loses its series at"
          + " once, not at the next sweep")
  void movedOutOfSelection() throws Exception {
    cluster.namespace("team", Map.of("imds-probe", "yes"), Map.of());
    cluster.namespace("other", Map.of("imds-probe", "yes"), Map.of());
    ProberService s =
        start(
            Map.of(
                "serve.interval",
                "1h",
                "serve.pacing",
                "false",
                "namespaces.selector",
                "imds-probe=yes"));
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                s.metrics().scrape().contains(status("team", "protected"))
                    && s.metrics().scrape().contains(status("other", "protected")));
    editNamespace("team", m -> m.setLabels(Map.of("imds-probe", "no")));
    await("team left the selection: its series are gone")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !s.metrics().scrape().contains("namespace=\"team\""));
    assertThat(s.metrics().scrape()).contains(status("other", "protected"));
    assertThat(kubelet.jobsSeen).as("nothing was probed for it").containsOnlyOnce("team");
  }

  @Test
  @DisplayName(
      "serve started while the API server refuses the policy and namespace lists keeps running"
          + " (it used to exit 1, the exposure code); the informers keep trying, and once they"
          + " have listed, a change re-probes")
  void informersListLate() throws Exception {
    cluster.namespace("team");
    java.util.concurrent.atomic.AtomicBoolean down =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicInteger listedAfter =
        new java.util.concurrent.atomic.AtomicInteger();
    cluster.fail(
        q -> {
          boolean informerList =
              q.getPath()
                      .matches(
                          "^/(apis/networking.k8s.io/v1/networkpolicies|api/v1/namespaces)"
                              + "\\?.*")
                  && !q.getPath().contains("watch=true");
          // the policy informer watches once its list went through (a sweep's list of policies,
          // paged as the informer's is, looks the same as the informer's list)
          if (q.getPath().startsWith("/apis/networking.k8s.io/v1/networkpolicies?")
              && q.getPath().contains("watch=true")
              && !down.get()) {
            listedAfter.incrementAndGet();
          }
          return informerList && down.get();
        });
    ProberService s = start(Map.of("serve.interval", "1h", "serve.pacing", "false"));
    await("serve stands and leads while the informers wait")
        .atMost(Duration.ofSeconds(15))
        .until(s::leading);
    down.set(false);
    await("the policy informer lists (and watches) once the API server answers")
        .atMost(Duration.ofSeconds(30))
        .until(() -> listedAfter.get() > 0);
    Thread.sleep(1000);
    kubelet.script("team", FakeKubelet.facts(ProbeFacts.EXPOSED));
    openTeam();
    await("a change after the late first list re-probes the namespace")
        .atMost(Duration.ofSeconds(15))
        .until(() -> s.metrics().scrape().contains(status("team", "exposed")));
  }

  @Test
  @DisplayName(
      "a re-probe the API server does not answer is retried, and meanwhile the last verdict"
          + " stands (no error in its place): the change is not left for the next sweep")
  void reprobeRetries() throws Exception {
    ProberService s = teamProtectedThenOpen(Map.of());
    // the re-probe's Job create is refused for a while (the client's own retries too)
    java.util.Set<String> refusedJobs = java.util.concurrent.ConcurrentHashMap.newKeySet();
    Pattern jobName = Pattern.compile("\"name\":\"(imds-probe-[0-9a-z-]+)\"");
    cluster.fail(
        q -> {
          boolean refused =
              q.getMethod().equals("POST")
                  && q.getPath().equals("/apis/batch/v1/namespaces/team/jobs");
          Matcher m = jobName.matcher(refused ? q.getBody().readUtf8() : "");
          if (m.find()) {
            refusedJobs.add(m.group(1));
          }
          return refused;
        });
    openTeam();
    await("the re-probe failed, and was tried again as a new batch")
        .atMost(Duration.ofSeconds(30))
        .until(() -> refusedJobs.size() >= 2);
    assertThat(s.metrics().scrape()).contains(status("team", "protected"));
    cluster.fail(q -> false);
    await("team re-probed once the API server answers again")
        .atMost(Duration.ofSeconds(15))
        .until(() -> s.metrics().scrape().contains(status("team", "exposed")));
  }

  @Test
  @DisplayName(
      "a re-probe the API server keeps refusing is shown as an error after its third attempt,"
          + " not retried for ever")
  void reprobeGivesUp() throws Exception {
    ProberService s = teamProtectedThenOpen(Map.of("api.retryInterval", "20ms"));
    java.util.concurrent.atomic.AtomicInteger creates =
        new java.util.concurrent.atomic.AtomicInteger();
    cluster.fail(
        q -> {
          boolean refused =
              q.getMethod().equals("POST")
                  && q.getPath().equals("/apis/batch/v1/namespaces/team/jobs");
          if (refused) {
            creates.incrementAndGet();
          }
          return refused;
        });
    openTeam();
    await("the error is shown once the attempts are spent")
        .atMost(Duration.ofSeconds(40))
        .until(() -> s.metrics().scrape().contains(status("team", "error")));
    int tried = creates.get();
    Thread.sleep(3 * ChangeReprobes.RETRY_PAUSE.toMillis());
    assertThat(creates.get()).as("no attempt after the error was shown").isEqualTo(tried);
  }

  static double completeSweeps(ProberService s) {
    Matcher m =
        Pattern.compile("imds_prober_sweeps_total\\{result=\"complete\"} ([0-9.]+)")
            .matcher(s.metrics().scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
