package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.imdsprober.verdict.Verdict;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a sweep asks of the API server: bounded, counted, retried when the server struggles. */
class SweepEconomyTest extends SweepTestCase {
  private static final Pattern NAMESPACED = Pattern.compile("/namespaces/([^/?]+)/");

  @Test
  @DisplayName(
      "at most probe.maxInFlight Jobs exist at once, one pod watch, at most 3 requests per namespace")
  void inFlightWatchAndRequests() throws Exception {
    int n = 40;
    for (int i = 0; i < n; i++) {
      fx.cluster.namespace("ns-" + i);
    }
    fx.kubelet.script(
        "ns-7",
        (k, job) -> {
          // one slow pod: the others keep the slots busy meanwhile
          sleep(300);
          k.terminated(job, ProbeFacts.PROTECTED, 0);
        });
    for (int i = 0; i < n; i++) {
      if (i != 7) {
        fx.kubelet.script(
            "ns-" + i,
            (k, job) -> {
              sleep(20);
              k.terminated(job, ProbeFacts.PROTECTED, 0);
            });
      }
    }
    fx.cluster.proberRequests();

    SweepResult r = fx.sweep(Map.of("probe.maxInFlight", "4"));

    assertThat(r.counts().get(Verdict.PROTECTED)).isEqualTo(n);
    List<RecordedRequest> requests = fx.cluster.proberRequests();
    int inFlight = 0;
    int max = 0;
    for (RecordedRequest q : requests) {
      if (q.getMethod().equals("POST")
          && q.getPath().matches("/apis/batch/v1/namespaces/[^/]+/jobs")) {
        max = Math.max(max, ++inFlight);
      } else if (q.getMethod().equals("DELETE") && q.getPath().contains("/jobs/")) {
        inFlight--;
      }
    }
    assertThat(max).as("Jobs in flight at most").isEqualTo(4);
    assertThat(requests.stream().filter(q -> q.getPath().contains("watch=true")).toList())
        .singleElement()
        .satisfies(q -> assertThat(q.getPath()).startsWith("/api/v1/pods?"));

    Map<String, List<String>> perNamespace = new HashMap<>();
    int constant = 0;
    for (RecordedRequest q : requests) {
      Matcher m = NAMESPACED.matcher(q.getPath());
      if (m.find()) {
        perNamespace
            .computeIfAbsent(m.group(1), k -> new java.util.ArrayList<>())
            .add(q.getMethod() + " " + q.getPath().replaceAll("\\?.*", ""));
      } else {
        constant++;
      }
    }
    assertThat(perNamespace).hasSize(n);
    // per namespace: create the Job and delete it; and only for a pod slower than the no-pod
    // check (300 ms here, so the slow ns-7 and, on a loaded machine, any other), one read of the
    // Job (is it as the prober made it?) and one of its events (a FailedCreate?)
    int noPodChecks = 0;
    for (Map.Entry<String, List<String>> e : perNamespace.entrySet()) {
      String job = "/apis/batch/v1/namespaces/" + e.getKey() + "/jobs";
      List<String> calls = e.getValue();
      assertThat(calls).as(e.getKey()).contains("POST " + job).hasSizeLessThanOrEqualTo(4);
      assertThat(calls.stream().filter(c -> c.startsWith("DELETE " + job + "/")))
          .as(e.getKey())
          .hasSize(1);
      List<String> looks =
          calls.stream().filter(c -> !c.equals("POST " + job) && !c.startsWith("DELETE ")).toList();
      assertThat(looks)
          .as(e.getKey() + ": only the no-pod check's reads")
          .allSatisfy(c -> assertThat(c).matches("GET (" + job + "/.*|.*/events)"))
          .hasSizeLessThanOrEqualTo(2);
      if (!looks.isEmpty()) {
        noPodChecks++;
      }
    }
    assertThat(noPodChecks)
        .as("namespaces whose pod was slower than the no-pod check")
        .isLessThan(n);
    // list jobs (orphans), list namespaces, list nodes, list + watch probe pods, and for the
    // prediction by policy one list of all pods (one page here), one of all NetworkPolicies and
    // one discovery call (/apis) for the policy kinds it does not read (none served here)
    assertThat(constant).isEqualTo(8);
    assertThat(requests).hasSizeLessThanOrEqualTo(constant + 2 * n + 2 * noPodChecks);
  }

  @Test
  @DisplayName(
      "one probe-pod watch for the life of a sweeper: later sweeps and re-probes start none, and"
          + " each sees only its own sweep's pods")
  void oneWatchForAllSweeps() throws Exception {
    fx.cluster.namespace("a");
    fx.cluster.namespace("b");
    fx.cluster.proberRequests();
    try (Sweeper sweeper = fx.sweeper(SweepFixture.config(Map.of()))) {
      Sweeper reprober = new Sweeper(sweeper, fx.cluster.admin);
      SweepResult first = sweeper.sweep();
      SweepResult again = reprober.sweep(java.util.Set.of("b"), (id, r) -> {});
      SweepResult third = sweeper.sweep();
      assertThat(first.counts().get(Verdict.PROTECTED)).isEqualTo(2);
      assertThat(again.counts().get(Verdict.PROTECTED)).isEqualTo(1);
      assertThat(third.counts().get(Verdict.PROTECTED)).isEqualTo(2);
    }
    List<String> podWatch = new java.util.ArrayList<>();
    org.awaitility.Awaitility.await("the watch is on record once it closed")
        .atMost(java.time.Duration.ofSeconds(5))
        .until(
            () -> {
              fx.cluster.proberRequests().stream()
                  .map(RecordedRequest::getPath)
                  .filter(p -> p.startsWith("/api/v1/pods?") && p.contains("labelSelector="))
                  .forEach(podWatch::add);
              return podWatch.stream().anyMatch(p -> p.contains("watch=true"));
            });
    assertThat(podWatch)
        .as("one list and one watch of the probe pods, for three sweeps")
        .hasSize(2)
        .allSatisfy(p -> assertThat(p).contains("labelSelector=imds-prober.io%2Fsweep&"))
        .anyMatch(p -> p.contains("watch=true"));
  }

  @Test
  @DisplayName("429 and 500 answers for a while are retried with backoff; the sweep completes")
  void transientErrors() throws Exception {
    fx.cluster.namespace("flaky");
    fx.cluster.namespace("steady");
    fx.cluster
        .server
        .expect()
        .get()
        .withPath("/api/v1/namespaces")
        .andReturn(429, MockCluster.status(429, "TooManyRequests", "slow down"))
        .times(2);
    fx.cluster
        .server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/flaky/jobs")
        .andReturn(500, MockCluster.status(500, "InternalError", "etcd leader changed"))
        .times(3);
    fx.cluster.proberRequests();

    SweepResult r = fx.sweep(Map.of("api.retryInterval", "20ms"));

    assertThat(SweeperTest.verdicts(r))
        .containsExactlyInAnyOrderEntriesOf(Map.of("flaky", "protected", "steady", "protected"));
    List<RecordedRequest> requests = fx.cluster.proberRequests();
    assertThat(requests.stream().filter(q -> q.getPath().equals("/api/v1/namespaces")).count())
        .isEqualTo(3);
    assertThat(
            requests.stream()
                .filter(
                    q ->
                        q.getMethod().equals("POST")
                            && q.getPath().equals("/apis/batch/v1/namespaces/flaky/jobs"))
                .count())
        .isEqualTo(4);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
