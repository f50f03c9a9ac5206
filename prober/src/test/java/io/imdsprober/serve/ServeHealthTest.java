package io.imdsprober.serve;

import static io.imdsprober.serve.ServeTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /healthz is what makes the kubelet restart a prober that no longer checks anything: it fails
 * while a sweep overruns its deadline, and while this replica leads but has completed no sweep for
 * 3 intervals; it passes again once sweeps complete.
 */
class ServeHealthTest {
  @TempDir Path dir;
  private final MockCluster cluster = new MockCluster();
  private final FakeKubelet kubelet =
      new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
  private TestServe serve;

  /** A clock the test moves forward; it starts at the real time. */
  static final class TestClock extends Clock {
    final AtomicReference<Duration> ahead = new AtomicReference<>(Duration.ZERO);

    @Override
    public Instant instant() {
      return Instant.now().plus(ahead.get());
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @AfterEach
  void close() {
    if (serve != null) {
      serve.close();
    }
    kubelet.close();
    cluster.close();
  }

  private ProberService start(Map<String, String> keys, Clock clock) throws Exception {
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
    serve = TestServe.of(cluster, dir, TestServe.config(keys), clock, "health", "test");
    serve.service().start();
    return serve.service();
  }

  @Test
  @DisplayName("/healthz fails while a sweep is past its deadline, and passes once it ended")
  void overrun() throws Exception {
    cluster.namespace("hanging");
    kubelet.script("hanging", FakeKubelet.nothing());
    TestClock clock = new TestClock();
    ProberService s = start(Map.of("sweep.deadline", "1m", "serve.interval", "1h"), clock);
    await().atMost(Duration.ofSeconds(5)).until(() -> kubelet.jobsSeen.contains("hanging"));
    assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);

    clock.ahead.set(Duration.ofMinutes(2)); // the sweep has now run a minute past its deadline
    assertThat(get(s, "/healthz").statusCode()).isEqualTo(503);
    assertThat(s.unhealthyBecause()).contains("overran its deadline");

    clock.ahead.set(Duration.ZERO);
    await().atMost(Duration.ofSeconds(15)).until(() -> s.lastResult() != null);
    assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName(
      "/healthz fails when the leader completed no sweep for 3 intervals, and heals with the next")
  void noSweepFor3Intervals() throws Exception {
    cluster.namespace("team");
    ProberService s = start(Map.of("serve.interval", "1s"), Clock.systemUTC());
    await().atMost(Duration.ofSeconds(10)).until(() -> s.lastResult() != null);
    assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);

    // the API server stops answering the sweep's namespace list: every sweep now fails
    cluster.fail(
        r ->
            r.getPath().equals("/api/v1/namespaces")
                || r.getPath().startsWith("/api/v1/namespaces?"));
    await().atMost(Duration.ofSeconds(20)).until(() -> get(s, "/healthz").statusCode() == 503);
    assertThat(s.unhealthyBecause()).contains("no sweep has completed since");

    cluster.fail(r -> false);
    await().atMost(Duration.ofSeconds(20)).until(() -> get(s, "/healthz").statusCode() == 200);
  }
}
