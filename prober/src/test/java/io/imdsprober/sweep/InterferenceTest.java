package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.imdsprober.verdict.Failure;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rules of "ended by itself", pure: one row per way a container can end. */
class InterferenceTest {
  private static final Instant DEADLINE = Instant.parse("2026-12-02T10:00:30Z");

  private static ContainerStatus ended(int code, String reason) {
    return new ContainerStatusBuilder()
        .withName(ProbeJobs.CONTAINER)
        .withRestartCount(0)
        .withNewState()
        .withNewTerminated()
        .withExitCode(code)
        .withReason(reason)
        .withMessage("{\"v\":1}")
        .endTerminated()
        .endState()
        .build();
  }

  @ParameterizedTest(name = "exit {0} ({1}) -> {2}")
  @CsvSource(
      nullValues = "none",
      value = {
        "0, Completed, none",
        "0, Error, tampered",
        "143, Error, tampered",
        "137, Error, tampered",
        "137, OOMKilled, tampered",
        "134, Error, tampered",
        "1, Error, malformed-result",
        "2, Error, malformed-result",
        "128, StartError, invalid",
        "128, ContainerCannotRun, invalid"
      })
  void ending(int code, String reason, String expected) {
    Failure f = Interference.ending("imds-probe-x", ended(code, reason));
    assertThat(f == null ? null : f.reason()).isEqualTo(expected);
    if (f != null) {
      assertThat(f.detail()).contains("pod imds-probe-x").contains(String.valueOf(code));
    }
  }

  private static Pod deletedAt(Instant asked, long grace) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("imds-probe-x")
        .withDeletionTimestamp(asked.plusSeconds(grace).toString())
        .withDeletionGracePeriodSeconds(grace)
        .endMetadata()
        .build();
  }

  @Test
  @DisplayName(
      "a delete asked for from the Job's deadline on (less the timestamps' one-second grain) is the"
          + " Job controller's; one asked for earlier is somebody else's")
  void deleteAndTheJobDeadline() {
    assertThat(Interference.of(deletedAt(DEADLINE, 5), DEADLINE).reason())
        .isEqualTo(Failure.DEADLINE);
    assertThat(Interference.of(deletedAt(DEADLINE.minusSeconds(1), 5), DEADLINE).reason())
        .isEqualTo(Failure.DEADLINE);
    assertThat(Interference.of(deletedAt(DEADLINE.minusSeconds(2), 5), DEADLINE).reason())
        .as("the grace period is not counted as the tenant's: the delete was asked 2 s early")
        .isEqualTo(Failure.TAMPERED);
    assertThat(Interference.of(deletedAt(DEADLINE.minusSeconds(20), 30), DEADLINE).reason())
        .as("a long grace period that ends after the deadline does not hide an early delete")
        .isEqualTo(Failure.TAMPERED);
    assertThat(Interference.of(deletedAt(DEADLINE.plusSeconds(3), 5), null).reason())
        .as("without a known deadline every delete is tampering")
        .isEqualTo(Failure.TAMPERED);
  }

  @Test
  @DisplayName(
      "the kubelet's own node-pressure eviction is not tampering (it is reported as evicted); an"
          + " API eviction or a preemption is")
  void disruptionReasons() {
    for (String reason :
        new String[] {"EvictionByEvictionAPI", "PreemptionByScheduler", "DeletionByTaintManager"}) {
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName("imds-probe-x")
              .endMetadata()
              .withNewStatus()
              .addNewCondition()
              .withType("DisruptionTarget")
              .withStatus("True")
              .withReason(reason)
              .endCondition()
              .endStatus()
              .build();
      assertThat(Interference.of(pod, DEADLINE).reason()).as(reason).isEqualTo(Failure.TAMPERED);
    }
    Pod kubelet =
        new PodBuilder()
            .withNewMetadata()
            .withName("imds-probe-x")
            .endMetadata()
            .withNewStatus()
            .withPhase("Failed")
            .withReason("Evicted")
            .addNewCondition()
            .withType("DisruptionTarget")
            .withStatus("True")
            .withReason("TerminationByKubelet")
            .endCondition()
            .endStatus()
            .build();
    assertThat(Interference.of(kubelet, DEADLINE)).isNull();
    assertThat(PodState.of(kubelet).failure().reason()).isEqualTo(Failure.EVICTED);
  }
}
