package io.imdsprober.sweep;

import static io.imdsprober.sweep.SweeperTest.find;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.config.Config;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Red team (issue 20): a tenant with {@code edit} in its namespace may update and patch the probe
 * Job there (without the admission component's probe-job-edits policy, which now refuses it). The
 * prober used to trust the Job to be the one it created; now a Job suspended, scaled to nothing or
 * changed is tampered when no pod came, and a pod not as built is tampered (SpecDrift). Kubernetes
 * lets anyone who may update a Job set {@code spec.suspend}, and, while a Job is suspended and has
 * not started, change its pod template's node selector, affinity, tolerations, labels, annotations
 * and scheduling gates (mutable scheduling directives, GA in 1.27).
 */
class RedTeamJobEditTest extends SweepTestCase {
  private Job tenantEdits(Job job, java.util.function.UnaryOperator<Job> change) {
    return fx.cluster
        .admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(job.getMetadata().getNamespace())
        .withName(job.getMetadata().getName())
        .edit(change);
  }

  /**
   * A sweep whose one look at the Job's events comes 2 s after the create (10 s in production), so
   * that a loaded test machine does not decide the outcome; the rest as {@link SweepFixture}.
   */
  private SweepResult sweepWithRealisticNoPodCheck() throws Exception {
    Config config = SweepFixture.config(Map.of());
    try (KubernetesClient prober =
            KubeConnection.connect(
                fx.cluster.kubeconfig(dir), null, config, MockCluster.PROBER_AGENT);
        Sweeper s =
            new Sweeper(
                prober,
                config,
                "registry.invalid/imds-prober:test",
                new Sweeper.Timing(Duration.ofSeconds(2), Duration.ofMillis(500)),
                Clock.systemUTC())) {
      return s.sweep();
    }
  }

  @Test
  @DisplayName(
      "a tenant suspends the probe Job before its pod exists and adds a"
          + " FailedCreate event that says 'denied': the probe is admission-denied (a warning"
          + " after 30 m) instead of tampered (a page now)")
  void suspendedJobAndForgedFailedCreate() throws Exception {
    fx.cluster.namespace("suspender");
    fx.cluster.namespace("bystander");
    fx.kubelet.script(
        "suspender",
        (k, job) -> {
          // events are in `edit`; the tenant reads the Job's name and UID from the Job itself.
          // The prober reads them once, timing.noPodCheck (10 s) after the create: plenty of time
          // for the tenant; here it comes first, so that the mock's short check sees it.
          k.event(
              job,
              "Error creating: admission webhook \"policy.example.com\" denied the request:"
                  + " probe pods are not allowed here");
          // the tenant's watch saw the Job before the Job controller created its pod: with the
          // Job suspended, the controller creates none (without the forged event the probe ends
          // as timeout, a warning after 30 m too)
          tenantEdits(
              job,
              j -> {
                j.getSpec().setSuspend(true);
                return j;
              });
        });
    SweepResult r = sweepWithRealisticNoPodCheck();
    assertThat(find(r, "bystander").judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    NamespaceResult n = find(r, "suspender");
    assertThat(n.judgement().verdict()).as(n.detail()).isEqualTo(Verdict.ERROR);
    assertThat(n.judgement().reason())
        .as(
            "a probe Job that someone else suspended is tampering, whatever events say (detail: "
                + n.detail()
                + ")")
        .isEqualTo(Failure.TAMPERED);
  }

  @Test
  @DisplayName(
      "a tenant suspends the probe Job before its pod exists, moves its"
          + " pod template to another node pool (affinity, a scheduling directive a suspended Job"
          + " lets anyone with update change) and resumes it: the probe runs elsewhere and the"
          + " namespace is protected")
  void templateMovedToAnotherPool() throws Exception {
    fx.cluster.node(
        "hardened-1",
        "aws:///eu-west-1b/i-0fedcba9876543210",
        Map.of("karpenter.sh/nodepool", "hardened"));
    fx.cluster.namespace("mover");
    fx.kubelet.script(
        "mover",
        (k, job) -> {
          Job moved =
              tenantEdits(
                  job,
                  j -> {
                    j.getSpec()
                        .getTemplate()
                        .getSpec()
                        .setAffinity(
                            new io.fabric8.kubernetes.api.model.AffinityBuilder()
                                .withNewNodeAffinity()
                                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                                .addNewNodeSelectorTerm()
                                .withMatchExpressions(
                                    new NodeSelectorRequirementBuilder()
                                        .withKey("karpenter.sh/nodepool")
                                        .withOperator("In")
                                        .withValues("hardened")
                                        .build())
                                .endNodeSelectorTerm()
                                .endRequiredDuringSchedulingIgnoredDuringExecution()
                                .endNodeAffinity()
                                .build());
                    return j;
                  });
          // the Job controller creates the pod from the template as it now is; on the hardened
          // pool the metadata service is blocked, so the agent honestly reports every target timed
          // out, while the namespace's workloads run on the exposed pool
          k.pod(moved, FakeKubelet.terminatedStatus(ProbeFacts.PROTECTED, 0));
        });
    SweepResult r = fx.sweep(Map.of());
    NamespaceResult n = find(r, "mover");
    assertThat(n.judgement().verdict())
        .as(
            "a probe pod scheduled by a template someone else changed is not the prober's probe"
                + " (detail: "
                + n.detail()
                + ")")
        .isEqualTo(Verdict.ERROR);
    assertThat(n.judgement().reason()).isEqualTo(Failure.TAMPERED);
  }
}
