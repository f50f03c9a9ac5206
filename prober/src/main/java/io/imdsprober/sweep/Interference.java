package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.imdsprober.util.Texts;
import io.imdsprober.verdict.Failure;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * Whether anyone but the agent had a hand in how a trusted probe pod ended (DESIGN.md "Trust"): a
 * result is the agent's word only when its container ended by itself (exit 0, reason {@code
 * Completed}, no restart) in a pod that nobody is deleting or evicting and that has no ephemeral
 * container. A tenant with {@code edit} may exec into its namespace's pods: it can write a forged
 * document to the termination message file and kill the agent (exit 143 or 137), delete or evict
 * the pod (the kubelet stops it with SIGTERM, exit 143), or add a debug container sharing the
 * agent's process namespace. Each of these is {@code tampered}, with what was seen. Pure.
 *
 * <p>Two endings that look alike are told apart by the API server's own timestamps: the Job
 * controller deletes the pod when the Job's {@code activeDeadlineSeconds} has passed since the Job
 * began (which is no earlier than its creation), so a delete asked for from then on is the
 * deadline's; one asked for earlier is somebody else's.
 */
final class Interference {
  /** Creation timestamps are whole seconds: a delete this close to the deadline is the Job's. */
  private static final Duration TIMESTAMP_GRAIN = Duration.ofSeconds(1);

  /** The kubelet's own node-pressure eviction: not something a tenant can ask for. */
  private static final String KUBELET_EVICTION = "TerminationByKubelet";

  /** Exit codes from 129 on: the process was ended by signal (code - 128). */
  private static final int SIGNALLED = 128;

  private static final Map<Integer, String> SIGNALS =
      Map.of(1, "SIGHUP", 2, "SIGINT", 3, "SIGQUIT", 6, "SIGABRT", 9, "SIGKILL", 15, "SIGTERM");

  private Interference() {}

  /**
   * Why the pod's result cannot be the agent's own word yet or ever; null when nothing but the
   * agent and the Job controller touched it so far.
   *
   * @param pod a pod {@link PodTrust} accepted as the probe Job's own
   * @param jobDeadline when the Job's {@code activeDeadlineSeconds} passes at the earliest (its
   *     creation plus the deadline), or null when not known
   */
  static Failure of(Pod pod, Instant jobDeadline) {
    String name = "pod " + Texts.abbreviate(pod.getMetadata().getName(), 80);
    Failure deleting = deleting(name, pod.getMetadata(), jobDeadline);
    if (deleting != null) {
      return deleting;
    }
    var status = pod.getStatus();
    if (status == null) {
      return null;
    }
    if (!nullOrEmpty(status.getEphemeralContainerStatuses())) {
      return tampered(
          name
              + " has an ephemeral container ("
              + Texts.abbreviate(status.getEphemeralContainerStatuses().get(0).getName(), 60)
              + "): a debug container can share the agent's processes and write its result");
    }
    for (PodCondition c :
        nullOrEmpty(status.getConditions()) ? List.<PodCondition>of() : status.getConditions()) {
      if ("DisruptionTarget".equals(c.getType())
          && "True".equals(c.getStatus())
          && !KUBELET_EVICTION.equals(c.getReason())) {
        return tampered(
            name
                + " has the condition DisruptionTarget ("
                + Texts.abbreviate(c.getReason(), 60)
                + (c.getMessage() == null ? "" : ": " + Texts.abbreviate(c.getMessage(), 160))
                + "): it was evicted or preempted while the agent ran, so its result is not the"
                + " agent's word (a node drain does this too)");
      }
    }
    return null;
  }

  /**
   * Whether the probe container ended by itself: null when it did (exit 0, {@code Completed}, no
   * restart); otherwise why its termination message is not judged.
   */
  static Failure ending(String podName, ContainerStatus container) {
    ContainerStateTerminated t = container.getState().getTerminated();
    String name = "pod " + Texts.abbreviate(podName, 80);
    int code = t.getExitCode() == null ? -1 : t.getExitCode();
    String reason = t.getReason() == null ? "" : t.getReason();
    Integer restarts = container.getRestartCount();
    if (restarts != null && restarts > 0) {
      return tampered(
          name
              + " restarted its probe container "
              + restarts
              + " time(s) (restartPolicy Never): the result is not from the agent's one run");
    }
    if (code == 0 && "Completed".equals(reason)) {
      return null;
    }
    if (code > SIGNALLED) {
      int signal = code - SIGNALLED;
      return tampered(
          name
              + " ended by signal "
              + SIGNALS.getOrDefault(signal, String.valueOf(signal))
              + " (exit code "
              + code
              + (reason.isEmpty() ? "" : ", " + Texts.abbreviate(reason, 40))
              + "), not by itself: the agent was killed (by an exec'd process, a delete, an"
              + " eviction or the memory limit), so its termination message is not its word");
    }
    if (code == 0) {
      return tampered(
          name
              + " exited 0 with reason '"
              + Texts.abbreviate(reason, 40)
              + "', not Completed: the kubelet did not see the agent complete");
    }
    String said = t.getMessage() == null ? "" : ": " + Texts.abbreviate(t.getMessage(), 300);
    if (code == SIGNALLED || code < 0 || "StartError".equals(reason)) {
      return new Failure(
          Failure.INVALID,
          name + " could not start the agent (exit code " + code + ", " + reason + ")" + said);
    }
    return new Failure(
        Failure.MALFORMED_RESULT,
        name
            + ": the agent ended with exit code "
            + code
            + " ("
            + Texts.abbreviate(reason, 40)
            + ") instead of completing: it could not run its checks"
            + said);
  }

  private static Failure deleting(String name, ObjectMeta meta, Instant jobDeadline) {
    if (meta.getDeletionTimestamp() == null) {
      return null;
    }
    Instant asked = deleteAskedAt(meta);
    if (jobDeadline != null
        && asked != null
        && !asked.isBefore(jobDeadline.minus(TIMESTAMP_GRAIN))) {
      return new Failure(
          Failure.DEADLINE,
          name
              + " was stopped by the Job controller: the probe Job's activeDeadlineSeconds passed");
    }
    return tampered(
        name
            + " is being deleted (deletionTimestamp "
            + Texts.abbreviate(meta.getDeletionTimestamp(), 40)
            + ": a delete or an eviction) before its result was read; what it ends with is not"
            + " the agent's word");
  }

  /** When the delete was asked for: the deletion timestamp less the grace period it was given. */
  static Instant deleteAskedAt(ObjectMeta meta) {
    try {
      Instant at = Instant.parse(meta.getDeletionTimestamp());
      Long grace = meta.getDeletionGracePeriodSeconds();
      return grace == null ? at : at.minusSeconds(Math.max(0, grace));
    } catch (DateTimeParseException | NullPointerException e) {
      return null;
    }
  }

  /** Whether a pod's deletion was asked for once the Job's deadline had passed. */
  static boolean deadlineDelete(Pod pod, Instant jobDeadline, Instant now) {
    if (jobDeadline == null) {
      return false;
    }
    Instant asked =
        pod.getMetadata().getDeletionTimestamp() == null ? now : deleteAskedAt(pod.getMetadata());
    return asked != null && !asked.isBefore(jobDeadline.minus(TIMESTAMP_GRAIN));
  }

  private static Failure tampered(String detail) {
    return new Failure(Failure.TAMPERED, detail);
  }

  private static boolean nullOrEmpty(List<?> list) {
    return list == null || list.isEmpty();
  }
}
