package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A tenant with {@code edit} in its namespace may exec into, attach to, delete, evict or debug the
 * running probe pod (without the admission policy's exec fence, or on a cluster older than 1.30).
 * In an exposed namespace it then leaves a forged "everything timed out" document as the
 * termination message. Each way ends in {@code error}/{@code tampered} (never {@code protected}),
 * with the detail naming what was seen, within the probe deadline; the other namespaces of the
 * sweep are judged as usual. Only the Job controller stopping the pod once the Job's own deadline
 * passed is {@code deadline}, not tampering.
 */
class SweepInterferenceTest extends SweepTestCase {
  /** The sweep ends within the probe deadline (5 s) plus the result grace and some slack. */
  private static final long SWEEP_BOUND_MS = 9_000;

  /** The container's status after the agent was stopped: exit code, reason, message. */
  private static ContainerStatus ended(int exitCode, String reason, String message) {
    Instant now = Instant.now();
    return new ContainerStatusBuilder()
        .withName(ProbeJobs.CONTAINER)
        .withRestartCount(0)
        .withNewState()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .withMessage(message)
        .withStartedAt(now.toString())
        .withFinishedAt(now.toString())
        .endTerminated()
        .endState()
        .build();
  }

  private static PodStatus status(String phase, ContainerStatus container) {
    return new PodStatusBuilder().withPhase(phase).addToContainerStatuses(container).build();
  }

  /** The forged document of an attacker who exec'd in: every planned target timed out. */
  private static String forged() {
    return ProbeFacts.PROTECTED;
  }

  /** The probe pod as the kubelet runs it, then changed by the attack as the cluster shows it. */
  private NamespaceResult attacked(String ns, Attack attack) throws Exception {
    fx.cluster.namespace(ns);
    fx.cluster.namespace("bystander");
    fx.kubelet.script(
        ns,
        (k, job) -> {
          Pod real = k.pod(job, FakeKubelet.running());
          attack.run(k, job, real);
        });
    SweepResult r = fx.sweep(Map.of());
    assertThat(r.durationMs()).as("the sweep ends").isLessThan(SWEEP_BOUND_MS);
    assertThat(find(r, "bystander").judgement().verdict())
        .as("other namespaces are judged as usual")
        .isEqualTo(Verdict.PROTECTED);
    NamespaceResult n = find(r, ns);
    assertThat(n.judgement().verdict()).as(n.detail()).isEqualTo(Verdict.ERROR);
    assertThat(n.facts()).as("no facts are taken from the pod").isNull();
    return n;
  }

  private interface Attack {
    void run(FakeKubelet kubelet, Job job, Pod real);
  }

  private static NamespaceResult find(SweepResult r, String ns) {
    return r.namespaces().stream().filter(n -> n.namespace().equals(ns)).findFirst().orElseThrow();
  }

  private Pod edit(Pod pod, UnaryOperator<PodBuilder> change) {
    return fx.cluster
        .admin
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .edit(p -> change.apply(new PodBuilder(p)).build());
  }

  /** What the kubelet writes when the container ends. */
  private Pod writeStatus(Pod pod, PodStatus status) {
    Pod now =
        fx.cluster
            .admin
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .get();
    now.setStatus(status);
    return fx.cluster.admin.pods().resource(now).updateStatus();
  }

  /** The forged facts as the attacker writes them: naming the real pod, as the agent would. */
  private static String named(Pod pod) {
    return forged()
        .replace(ProbeFacts.POD_FIELD, "\"pod\":\"" + pod.getMetadata().getName() + "\"");
  }

  /**
   * A graceful delete as the API server shows it while the kubelet stops the pod: the pod stays,
   * with a deletionTimestamp (here held by a finalizer, which is how the mock API server keeps a
   * deleted object), until the kubelet reports the container's end.
   */
  private Pod deleting(Pod pod, long graceSeconds) {
    Pod held = edit(pod, b -> b.editMetadata().addToFinalizers("test.invalid/hold").endMetadata());
    fx.cluster
        .admin
        .pods()
        .inNamespace(held.getMetadata().getNamespace())
        .withName(held.getMetadata().getName())
        .withGracePeriod(graceSeconds)
        .delete();
    Pod marked =
        fx.cluster
            .admin
            .pods()
            .inNamespace(held.getMetadata().getNamespace())
            .withName(held.getMetadata().getName())
            .get();
    assertThat(marked.getMetadata().getDeletionTimestamp())
        .as("the mock API server keeps a deleted pod with a finalizer, marked for deletion")
        .isNotNull();
    return marked;
  }

  @Test
  @DisplayName(
      "exec, forged facts in the termination message, kill PID 1 (exit 143): tampered, not"
          + " protected")
  void execForgeAndTerm() throws Exception {
    NamespaceResult n =
        attacked(
            "exec-term",
            (k, job, real) ->
                writeStatus(real, status("Failed", ended(143, "Error", named(real)))));
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("ended by signal SIGTERM (exit code 143").contains("killed");
  }

  @Test
  @DisplayName("exec, forged facts, kill -9 (exit 137): tampered")
  void execForgeAndKill() throws Exception {
    NamespaceResult n =
        attacked(
            "exec-kill",
            (k, job, real) ->
                writeStatus(real, status("Failed", ended(137, "Error", named(real)))));
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("ended by signal SIGKILL (exit code 137");
  }

  @Test
  @DisplayName(
      "an exec'd process that fills the container's memory (OOMKilled, 137) leaves no trusted"
          + " result; the detail names OOMKilled for the on-call engineer")
  void oomKilled() throws Exception {
    NamespaceResult n =
        attacked(
            "oom",
            (k, job, real) ->
                writeStatus(real, status("Failed", ended(137, "OOMKilled", named(real)))));
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("OOMKilled").contains("memory limit");
  }

  @Test
  @DisplayName(
      "a graceful delete mid-run (deletionTimestamp, then exit 143 with an empty message) is"
          + " tampered as soon as the delete shows, not malformed-result")
  void gracefulDelete() throws Exception {
    NamespaceResult n =
        attacked(
            "deleted",
            (k, job, real) -> {
              Pod marked = deleting(real, 30);
              writeStatus(marked, status("Failed", ended(143, "Error", "")));
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("is being deleted").contains("a delete or an eviction");
  }

  @Test
  @DisplayName(
      "a graceful delete after the agent wrote forged facts and 'completed' (exit 0) is still"
          + " tampered: the pod was being deleted")
  void deleteThenCompleted() throws Exception {
    NamespaceResult n =
        attacked(
            "deleted-done",
            (k, job, real) -> {
              Pod marked = deleting(real, 30);
              writeStatus(
                  marked,
                  status(
                      "Succeeded", ended(0, "Completed", named(real)))); // as if the agent wrote it
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("is being deleted");
  }

  @Test
  @DisplayName(
      "an eviction through the API (DisruptionTarget EvictionByEvictionAPI) is tampered, naming"
          + " the condition")
  void evictedByApi() throws Exception {
    PodCondition disruption =
        new PodConditionBuilder()
            .withType("DisruptionTarget")
            .withStatus("True")
            .withReason("EvictionByEvictionAPI")
            .withMessage("Eviction API: evicting")
            .build();
    NamespaceResult n =
        attacked(
            "evicted-api",
            (k, job, real) -> {
              PodStatus s = FakeKubelet.running();
              s.getConditions().add(disruption);
              writeStatus(real, s);
              writeStatus(
                  real,
                  new PodStatusBuilder(status("Failed", ended(143, "Error", named(real))))
                      .addToConditions(disruption)
                      .build());
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("DisruptionTarget (EvictionByEvictionAPI");
  }

  @Test
  @DisplayName(
      "an ephemeral debug container (kubectl debug --target) is tampered, even when the agent then"
          + " completes with facts")
  void ephemeralContainer() throws Exception {
    NamespaceResult n =
        attacked(
            "debugged",
            (k, job, real) -> {
              ContainerStatus debug =
                  new ContainerStatusBuilder()
                      .withName("debugger-x7k2p")
                      .withNewState()
                      .withNewRunning()
                      .endRunning()
                      .endState()
                      .build();
              writeStatus(
                  real,
                  new PodStatusBuilder(status("Succeeded", ended(0, "Completed", named(real))))
                      .addToEphemeralContainerStatuses(debug)
                      .build());
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("ephemeral container (debugger-x7k2p)");
  }

  @Test
  @DisplayName("an ephemeral container in the pod's spec is tampered (the pod is not as built)")
  void ephemeralContainerInSpec() throws Exception {
    NamespaceResult n =
        attacked(
            "debugged-spec",
            (k, job, real) ->
                edit(
                    real,
                    b ->
                        b.editSpec()
                            .addNewEphemeralContainer()
                            .withName("debugger")
                            .withImage("busybox")
                            .withTargetContainerName(ProbeJobs.CONTAINER)
                            .endEphemeralContainer()
                            .endSpec()));
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("ephemeral containers");
  }

  @Test
  @DisplayName("a restarted probe container (restartPolicy Never) is tampered, even with exit 0")
  void restarted() throws Exception {
    NamespaceResult n =
        attacked(
            "restarted",
            (k, job, real) -> {
              ContainerStatus again = ended(0, "Completed", named(real));
              again.setRestartCount(1);
              writeStatus(real, status("Succeeded", again));
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("restarted its probe container 1 time(s)");
  }

  @Test
  @DisplayName("exit 0 with a reason other than Completed is tampered")
  void exitZeroNotCompleted() throws Exception {
    NamespaceResult n =
        attacked(
            "odd-reason",
            (k, job, real) ->
                writeStatus(real, status("Succeeded", ended(0, "Error", named(real)))));
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("not Completed");
  }

  @Test
  @DisplayName(
      "the agent failing by itself (exit 2, a usage error) is malformed-result with its words, not"
          + " tampered: the on-call engineer looks at the configuration, not for an attacker")
  void agentFailed() throws Exception {
    NamespaceResult n =
        attacked(
            "agent-failed",
            (k, job, real) ->
                writeStatus(
                    real,
                    status(
                        "Failed", ended(2, "Error", "Unknown option: '--bogus'\n" + named(real)))));
    assertThat(n.judgement().reason()).isEqualTo(Failure.MALFORMED_RESULT);
    assertThat(n.detail()).contains("exit code 2").contains("Unknown option");
  }

  @Test
  @DisplayName(
      "the Job controller stopping the pod once the Job's activeDeadlineSeconds passed is"
          + " deadline, not tampered")
  void jobDeadline() throws Exception {
    NamespaceResult n =
        attacked(
            "slow",
            (k, job, real) -> {
              Instant due =
                  Instant.parse(job.getMetadata().getCreationTimestamp())
                      .plusSeconds(job.getSpec().getActiveDeadlineSeconds());
              await()
                  .atMost(Duration.ofSeconds(8))
                  .until(() -> !Instant.now().isBefore(due.plusMillis(200)));
              Pod marked = deleting(real, 5);
              writeStatus(marked, status("Failed", ended(143, "Error", "")));
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.DEADLINE);
    assertThat(n.detail()).contains("activeDeadlineSeconds passed");
  }
}
