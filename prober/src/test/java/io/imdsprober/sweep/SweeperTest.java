package io.imdsprober.sweep;

import static io.imdsprober.sweep.FakeKubelet.facts;
import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Verdict;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Sweeps against the mock API server with a fake kubelet: verdicts, skip, cleanup. */
class SweeperTest extends SweepTestCase {

  static Map<String, String> verdicts(SweepResult r) {
    return r.namespaces().stream()
        .collect(Collectors.toMap(NamespaceResult::namespace, n -> n.judgement().verdict().word()));
  }

  @Test
  @DisplayName(
      "every verdict comes from the namespace's facts and annotations; no Job or pod is left")
  void everyVerdict() throws Exception {
    fx.cluster.namespace("protected");
    fx.cluster.namespace("exposed");
    fx.cluster.namespace("reachable");
    fx.cluster.namespace("degraded");
    fx.cluster.namespace("pod-identity");
    fx.cluster.namespace("skipped", Map.of(), Map.of(Targets.SKIP, "true"));
    fx.cluster.namespace(
        "expects-exposure", Map.of(), Map.of(Expectations.EXPECT_METADATA, "reachable"));
    fx.cluster.namespace("bad-annotation", Map.of(), Map.of(Expectations.EXPECT_DNS, "maybe"));
    fx.kubelet
        .script("exposed", facts(ProbeFacts.EXPOSED))
        .script("reachable", facts(ProbeFacts.REACHABLE))
        .script("degraded", facts(ProbeFacts.DNS_DEAD))
        .script("pod-identity", facts(ProbeFacts.POD_IDENTITY_OPEN))
        .script("expects-exposure", facts(ProbeFacts.EXPOSED));

    SweepResult r = fx.sweep(Map.of());

    assertThat(verdicts(r))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "protected", "protected",
                "exposed", "exposed",
                "reachable", "reachable",
                "degraded", "degraded",
                "pod-identity", "protected",
                "skipped", "skipped",
                "expects-exposure", "exposed",
                "bad-annotation", "error"));
    NamespaceResult bad = find(r, "bad-annotation");
    assertThat(bad.judgement().reason()).isEqualTo(Failure.INVALID);
    assertThat(bad.detail()).contains(Expectations.EXPECT_DNS).contains("maybe");
    assertThat(find(r, "expects-exposure").judgement().asExpected()).isTrue();
    assertThat(find(r, "exposed").judgement().asExpected()).isFalse();
    assertThat(find(r, "exposed").facts()).isNotNull();
    assertThat(find(r, "skipped").facts()).isNull();
    assertThat(r.exitCode()).isEqualTo(SweepResult.EXIT_EXPOSED);
    assertThat(fx.kubelet.jobsSeen).doesNotContain("skipped", "bad-annotation");
    assertNothingLeft();
  }

  static NamespaceResult find(SweepResult r, String ns) {
    return r.namespaces().stream().filter(n -> n.namespace().equals(ns)).findFirst().orElseThrow();
  }

  /** No probe Job is left, and each was deleted with background propagation (pods go with it). */
  void assertNothingLeft() throws InterruptedException {
    assertThat(fx.cluster.admin.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();
    var deletes =
        fx.cluster.proberRequests().stream()
            .filter(q -> q.getMethod().equals("DELETE") && q.getPath().contains("/jobs/"))
            .toList();
    assertThat(deletes).isNotEmpty();
    assertThat(deletes)
        .allSatisfy(
            q -> assertThat(q.getUtf8Body()).contains("\"propagationPolicy\":\"Background\""));
  }

  @Test
  @DisplayName("a verdict of protected needs facts: only protected facts make it")
  void protectedNeedsFacts() throws Exception {
    fx.cluster.namespace("a");
    SweepResult r = fx.sweep(Map.of());
    assertThat(find(r, "a").judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(find(r, "a").facts().metadata()).isNotEmpty();
    assertThat(r.exitCode()).isZero();
  }

  @Test
  @DisplayName(
      "cancel (SIGTERM) ends the running sweep at once: probes in flight are errors, their Jobs deleted")
  void cancel() throws Exception {
    fx.cluster.namespace("hanging");
    fx.kubelet.script("hanging", FakeKubelet.nothing());
    try (Sweeper sweeper =
        fx.sweeper(SweepFixture.config(Map.of("probe.deadline", "60s", "orphans.maxAge", "5m")))) {
      var running = java.util.concurrent.CompletableFuture.supplyAsync(sweeper::sweep);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> fx.kubelet.jobsSeen.contains("hanging"));
      sweeper.cancel();
      SweepResult r = running.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(find(r, "hanging").judgement().reason()).isEqualTo(Failure.TIMEOUT);
      assertThat(find(r, "hanging").detail()).isEqualTo("sweep cancelled");
    }
    assertThat(fx.cluster.admin.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();
  }

  @Test
  @DisplayName(
      "cancel (a lost Lease) ends every re-probe batch running at once, not only the last one")
  void cancelEveryBatch() throws Exception {
    fx.cluster.namespace("one");
    fx.cluster.namespace("two");
    fx.kubelet.script("one", FakeKubelet.nothing());
    fx.kubelet.script("two", FakeKubelet.nothing());
    try (Sweeper sweeper =
        fx.sweeper(SweepFixture.config(Map.of("probe.deadline", "60s", "orphans.maxAge", "5m")))) {
      var first =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> sweeper.sweep(java.util.Set.of("one"), (id, r) -> {}));
      var second =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> sweeper.sweep(java.util.Set.of("two"), (id, r) -> {}));
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> fx.kubelet.jobsSeen.containsAll(java.util.List.of("one", "two")));
      assertThat(sweeper.currentDeadline()).isNotNull();
      sweeper.cancel();
      for (var batch : java.util.List.of(first, second)) {
        SweepResult r = batch.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.namespaces())
            .singleElement()
            .satisfies(
                n -> {
                  assertThat(n.judgement().reason()).isEqualTo(Failure.TIMEOUT);
                  assertThat(n.detail()).isEqualTo("sweep cancelled");
                });
      }
      assertThat(sweeper.currentDeadline()).as("no sweep runs any more").isNull();
    }
    assertThat(fx.cluster.admin.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();
  }
}
