package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * probe-job-edits.yaml: nobody changes a probe Job once created. A tenant with {@code edit} who
 * suspends it (so no pod comes, then forges a FailedCreate event) or moves its pod template to a
 * hardened node pool while it is suspended is refused; what the garbage collector does to its
 * metadata is not.
 */
class JobEditFenceTest {
  static AdmissionPolicy fence;

  @BeforeAll
  static void load() throws Exception {
    fence =
        new AdmissionPolicy(
            AdmissionPolicyTest.DIR.resolve("probe-job-edits.yaml"), "imds-prober-probe-job-edits");
  }

  private static AdmissionPolicy.Decision update(Job before, UnaryOperator<JobBuilder> change) {
    Job after = change.apply(new JobBuilder(before)).build();
    return fence.admit(
        AdmissionPolicyTest.request("UPDATE", "team-a", "alice"),
        AdmissionPolicyTest.map(after),
        AdmissionPolicyTest.map(before),
        null);
  }

  @Test
  @DisplayName(
      "suspending, moving the template, scaling to nothing or dropping the label of a probe Job is"
          + " denied; a garbage collector's finalizer change is not")
  void edits() {
    Job job = AdmissionPolicyTest.built("team-a", Map.of());
    Map<String, UnaryOperator<JobBuilder>> denied =
        Map.of(
            "suspend",
            b -> b.editSpec().withSuspend(true).endSpec(),
            "template moved to another pool",
            b ->
                b.editSpec()
                    .editTemplate()
                    .editSpec()
                    .addToNodeSelector("karpenter.sh/nodepool", "hardened")
                    .endSpec()
                    .endTemplate()
                    .endSpec(),
            "parallelism 0",
            b -> b.editSpec().withParallelism(0).endSpec(),
            "label dropped (to fall out of the fence)",
            b -> b.editMetadata().removeFromLabels("imds-prober.io/sweep").endMetadata());
    denied.forEach(
        (what, change) -> {
          AdmissionPolicy.Decision d = update(job, change);
          assertThat(d.admitted()).as(what).isFalse();
          assertThat(d.message()).as(what).contains("a probe Job's spec and labels");
        });
    assertThat(update(job, b -> b.editMetadata().withFinalizers(List.of("orphan")).endMetadata()))
        .as("the garbage collector's metadata")
        .isEqualTo(AdmissionPolicyTest.ok());
    assertThat(fence.failurePolicy).isEqualTo("Fail");
  }
}
