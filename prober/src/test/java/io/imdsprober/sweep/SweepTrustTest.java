package io.imdsprober.sweep;

import static io.imdsprober.sweep.SweeperTest.find;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Verdict;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * An attacker with {@code edit} in one namespace wants an exposed namespace to read {@code
 * protected}. Each way in ends as an error with its reason, within the probe deadline, and the
 * sweep finishes. The fake kubelet plays the Job controller; the tenant's moves go through the same
 * API server.
 */
class SweepTrustTest extends SweepTestCase {
  /** The sweep ends within the probe deadline (5 s) plus the result grace and some slack. */
  private static final long SWEEP_BOUND_MS = 9_000;

  private static PodStatus terminated(String message) {
    return FakeKubelet.terminatedStatus(message, 0);
  }

  /**
   * A pod the tenant makes: the probe template copied from the Job (which {@code edit} can read),
   * changed by {@code edit}, with a status (which a real tenant cannot write: here it stands for a
   * container of the tenant's that writes what it likes).
   */
  private Pod tenantPod(Job job, String name, UnaryOperator<PodBuilder> edit, PodStatus status) {
    String ns = job.getMetadata().getNamespace();
    PodBuilder b =
        new PodBuilder()
            .withNewMetadataLike(job.getSpec().getTemplate().getMetadata())
            .withName(name)
            .withNamespace(ns)
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec());
    Pod created = fx.cluster.admin.pods().inNamespace(ns).resource(edit.apply(b).build()).create();
    created.setStatus(status);
    return fx.cluster.admin.pods().inNamespace(ns).resource(created).updateStatus();
  }

  private static String named(String facts, String pod) {
    return facts.replace(ProbeFacts.POD_FIELD, "\"pod\":\"" + pod + "\"");
  }

  private void pause(long ms) {
    try {
      Thread.sleep(ms); // the attacker's timing, not a wait for the system under test
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private NamespaceResult sweepOne(String ns, FakeKubelet.Script script) throws Exception {
    fx.cluster.namespace(ns);
    fx.cluster.namespace("bystander");
    fx.kubelet.script(ns, script);
    SweepResult r = fx.sweep(Map.of());
    assertThat(r.durationMs()).as("the sweep ends").isLessThan(SWEEP_BOUND_MS);
    assertThat(find(r, "bystander").judgement().verdict())
        .as("other namespaces are judged as usual")
        .isEqualTo(Verdict.PROTECTED);
    assertThat(fx.cluster.admin.batch().v1().jobs().inAnyNamespace().list().getItems())
        .as("no Job left behind")
        .isEmpty();
    NamespaceResult n = find(r, ns);
    assertThat(n.judgement().verdict()).as(n.detail()).isEqualTo(Verdict.ERROR);
    assertThat(n.facts()).isNull();
    return n;
  }

  @Test
  @DisplayName(
      "a forged pod with the sweep's label, done first, loses to the slower exposed real one")
  void forgedPodRacesTheRealOne() throws Exception {
    NamespaceResult n =
        sweepOne(
            "race",
            (k, job) -> {
              tenantPod(job, "forged", b -> b, terminated(named(ProbeFacts.PROTECTED, "forged")));
              pause(300);
              k.pod(job, terminated(ProbeFacts.EXPOSED));
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("pod forged");
  }

  @Test
  @DisplayName(
      "the real pod relabelled before its result is tampered, even with a forged one after")
  void realPodRelabelled() throws Exception {
    NamespaceResult n =
        sweepOne(
            "relabel",
            (k, job) -> {
              Pod real = k.pod(job, FakeKubelet.running());
              pause(200);
              fx.cluster
                  .admin
                  .pods()
                  .inNamespace("relabel")
                  .withName(real.getMetadata().getName())
                  .edit(
                      p ->
                          new PodBuilder(p)
                              .editMetadata()
                              .removeFromLabels(ProbeJobs.SWEEP_LABEL)
                              .endMetadata()
                              .build());
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("before its result was read");
  }

  @Test
  @DisplayName("a second labelled pod beside the real one makes the probe tampered")
  void secondLabelledPod() throws Exception {
    NamespaceResult n =
        sweepOne(
            "second",
            (k, job) -> {
              k.pod(job, FakeKubelet.running());
              tenantPod(job, "decoy", b -> b, FakeKubelet.running());
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("2 pods carry the label");
  }

  @Test
  @DisplayName(
      "a tenant pod that takes the sweep's label later (an update, not a create) is a second"
          + " labelled pod too")
  void podRelabelledToTheSweep() throws Exception {
    NamespaceResult n =
        sweepOne(
            "relabelled",
            (k, job) -> {
              k.pod(job, FakeKubelet.running());
              Pod decoy =
                  tenantPod(
                      job,
                      "decoy",
                      b -> b.editMetadata().removeFromLabels(ProbeJobs.SWEEP_LABEL).endMetadata(),
                      FakeKubelet.running());
              String sweep = job.getMetadata().getLabels().get(ProbeJobs.SWEEP_LABEL);
              fx.cluster
                  .admin
                  .pods()
                  .inNamespace("relabelled")
                  .withName(decoy.getMetadata().getName())
                  .edit(
                      p ->
                          new PodBuilder(p)
                              .editMetadata()
                              .addToLabels(ProbeJobs.SWEEP_LABEL, sweep)
                              .endMetadata()
                              .build());
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("2 pods carry the label");
  }

  @Test
  @DisplayName("a labelled pod whose ownerReference names another UID is not the Job's")
  void spoofedOwner() throws Exception {
    NamespaceResult n =
        sweepOne(
            "spoof",
            (k, job) ->
                tenantPod(
                    job,
                    "spoofed",
                    b ->
                        b.editMetadata()
                            .addToOwnerReferences(
                                FakeKubelet.controller(job, "00000000-0000-0000-0000-000000000000"))
                            .endMetadata(),
                    terminated(named(ProbeFacts.PROTECTED, "spoofed"))));
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("not by the probe Job");
  }

  @Test
  @DisplayName("a pod owned by the Job's real UID but running another image is tampered")
  void ownedButAnotherImage() throws Exception {
    NamespaceResult n =
        sweepOne(
            "image",
            (k, job) ->
                tenantPod(
                    job,
                    "lookalike",
                    b ->
                        b.editMetadata()
                            .addToOwnerReferences(
                                FakeKubelet.controller(job, job.getMetadata().getUid()))
                            .endMetadata()
                            .editSpec()
                            .editFirstContainer()
                            .withImage("tenant.example/always-protected:1")
                            .endContainer()
                            .endSpec(),
                    terminated(named(ProbeFacts.PROTECTED, "lookalike"))));
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("runs image tenant.example/always-protected:1");
  }

  @Test
  @DisplayName("a label added to the real pod (to fall under a deny policy) is tampering")
  void labelAdded() throws Exception {
    NamespaceResult n =
        sweepOne(
            "label-added",
            (k, job) -> {
              Pod real = k.pod(job, FakeKubelet.running());
              fx.cluster
                  .admin
                  .pods()
                  .inNamespace("label-added")
                  .withName(real.getMetadata().getName())
                  .edit(
                      p ->
                          new PodBuilder(p)
                              .editMetadata()
                              .addToLabels("egress", "deny-all")
                              .endMetadata()
                              .build());
            });
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("has label egress=deny-all that the prober did not give it");
  }

  @Test
  @DisplayName("facts that name another pod are not this probe's")
  void factsNameAnotherPod() throws Exception {
    NamespaceResult n =
        sweepOne(
            "other-pod",
            FakeKubelet.facts(named(ProbeFacts.PROTECTED, "imds-probe-from-yesterday")));
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
    assertThat(n.detail()).contains("imds-probe-from-yesterday");
  }

  @Test
  @DisplayName("a connected target with an HTTP status and no token field is malformed, not a hang")
  void noTokenDocument() throws Exception {
    String noToken =
        ProbeFacts.facts(
                "ok",
                "ok",
                ProbeFacts.metadata(ProbeFacts.IMDS, "http", "connected", 401, "timeout"))
            .replace(",\"token\":\"timeout\"", "");
    NamespaceResult n = sweepOne("no-token", FakeKubelet.facts(noToken));
    assertThat(n.judgement().reason()).isEqualTo(Failure.MALFORMED_RESULT);
    assertThat(n.detail()).contains("metadata[0].token is missing");
  }

  @Test
  @DisplayName("facts without the planned targets (only 10.0.0.1:1 timeout) are incomplete")
  void withoutPlannedTargets() throws Exception {
    String elsewhere =
        ProbeFacts.exactly(
            "ok", "ok", ProbeFacts.metadata("10.0.0.1:1", "http", "timeout", null, "not-tried"));
    NamespaceResult n = sweepOne("elsewhere", FakeKubelet.facts(elsewhere));
    assertThat(n.judgement().reason()).isEqualTo(Failure.INCOMPLETE_RESULT);
    assertThat(n.detail())
        .contains("no answer for planned target(s) 169.254.169.254:80")
        .contains("target(s) not planned 10.0.0.1:1");
  }

  @Test
  @DisplayName("a log fallback of several MiB is read only up to its bound, then incomplete")
  void hugeLogFallback() throws Exception {
    fx.kubelet.podName("probe-huge");
    String line = "x".repeat(1023) + "\n";
    fx.cluster
        .server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/huge/pods/probe-huge/log?pretty=false&tailLines=20&limitBytes=65536")
        .andReturn(200, line.repeat(6 * 1024) + named(ProbeFacts.PROTECTED, "probe-huge") + "\n")
        .always();
    NamespaceResult n = sweepOne("huge", FakeKubelet.terminated("", 0));
    assertThat(n.judgement().reason()).isEqualTo(Failure.INCOMPLETE_RESULT);
    assertThat(n.detail()).contains("the log tail runs past 65536 bytes");
  }
}
