package io.imdsprober.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two serve replicas, one Lease, one mock API server. The leader's link to the API server fails
 * (its Lease requests get 503s): it must stop sweeping at once, the other must take over within the
 * Lease duration plus one sweep, and when the first heals it must stand again, without sweeping
 * while the other leads. At no moment may both sweep.
 */
class LeaderTakeoverTest {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final String AGENT_A = MockCluster.PROBER_AGENT + " replica-a";
  private static final String AGENT_B = MockCluster.PROBER_AGENT + " replica-b";

  @TempDir Path dir;
  private final MockCluster cluster = new MockCluster();
  private final FakeKubelet kubelet =
      new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
  private final List<TestServe> serves = new CopyOnWriteArrayList<>();

  /** One sweep a replica ran, kept or not. */
  record Sweep(String replica, Instant start, Instant end) {
    boolean overlaps(Sweep o) {
      return start.isBefore(o.end) && o.start.isBefore(end);
    }
  }

  private final List<Sweep> sweeps = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    serves.forEach(TestServe::close);
    kubelet.close();
    cluster.close();
  }

  private ProberService replica(String name, String agent) throws Exception {
    TestServe s =
        TestServe.of(
            cluster,
            dir,
            TestServe.config(
                Map.of(
                    "leaderElection.enabled", "true",
                    "leaderElection.namespace", "imds",
                    "leaderElection.leaseDuration", "3s",
                    "leaderElection.renewDeadline", "2s",
                    "leaderElection.retryPeriod", "200ms")),
            Clock.systemUTC(),
            name,
            "test",
            agent);
    serves.add(s);
    s.service().onSweep((start, end) -> sweeps.add(new Sweep(name, start, end)));
    return s.service();
  }

  private static boolean leaderGauge(ProberService s, int value) {
    return s.metrics().scrape().contains("imds_prober_leader " + value + ".0");
  }

  @Test
  @DisplayName(
      "a leader cut off from the API server stops; the other takes over; the first stands again")
  void takeoverAndRecovery() throws Exception {
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
    cluster.namespace("team");
    ProberService a = replica("replica-a", AGENT_A);
    ProberService b = replica("replica-b", AGENT_B);
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(a::leading);
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> a.lastResult() != null);
    assertThat(b.leading()).isFalse();
    assertThat(leaderGauge(a, 1)).isTrue();
    assertThat(leaderGauge(b, 0)).isTrue();

    // a's link to the API server fails for its Lease: renewals stop
    cluster.fail(
        r ->
            AGENT_A.equals(r.getHeader("User-Agent"))
                && r.getPath().startsWith("/apis/coordination.k8s.io/"));
    Instant cut = Instant.now();
    await().atMost(LEASE).until(() -> !a.leading());
    int aSweeps = (int) sweeps.stream().filter(s -> s.replica().equals("replica-a")).count();
    await()
        .atMost(LEASE.plus(Duration.ofSeconds(5)))
        .until(() -> b.leading() && b.lastResult() != null);
    Duration takeover = Duration.between(cut, b.lastResult().started());
    assertThat(takeover).isLessThan(LEASE.plus(Duration.ofSeconds(5)));
    assertThat(leaderGauge(a, 0)).isTrue();
    assertThat(leaderGauge(b, 1)).isTrue();
    assertThat(a.metrics().scrape())
        .as("a replica that lost the Lease exports no namespace")
        .doesNotContain("namespace=\"team\"");

    // a heals: it stands for the Lease again, and does not sweep while b leads
    cluster.fail(r -> false);
    cluster.proberRequests(AGENT_A);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                cluster.proberRequests(AGENT_A).stream()
                    .anyMatch(r -> r.getPath().contains("/leases/")));
    await()
        .during(LEASE) // a full Lease term with both replicas up
        .atMost(LEASE.plusSeconds(2))
        .until(() -> !a.leading() && b.leading());
    assertThat(sweeps.stream().filter(s -> s.replica().equals("replica-a")).count())
        .as("replica-a ran no sweep after it lost the Lease")
        .isLessThanOrEqualTo(aSweeps + 1);

    // b goes away: a, standing again, takes over
    b.stop(Duration.ofSeconds(2));
    await().atMost(LEASE.plus(Duration.ofSeconds(5))).until(a::leading);
    Instant takenBack = Instant.now();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> a.lastResult().started().isAfter(takenBack.minusSeconds(1)));

    for (Sweep x : sweeps) {
      for (Sweep y : sweeps) {
        if (!x.replica().equals(y.replica())) {
          assertThat(x.overlaps(y)).as("%s and %s at once", x, y).isFalse();
        }
      }
    }
  }
}
