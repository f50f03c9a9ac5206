package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.imdsprober.verdict.Failure;
import java.util.List;
import java.util.Set;

/**
 * What a probe pod's status says, read without I/O.
 *
 * @param terminated the probe container ended: its termination message is the result (may be blank)
 *     unless {@code failure} says it did not end by itself
 * @param message the termination message, when terminated
 * @param exitCode the container's exit code, when terminated
 * @param failure a failure that ends the probe now (evicted, an image that can never be pulled)
 * @param hint what the pod is stuck on, used if the deadline passes (unschedulable, image pull)
 * @param started whether the container ever ran
 */
public record PodState(
    boolean terminated,
    String message,
    Integer exitCode,
    Failure failure,
    Failure hint,
    boolean started) {
  private static final Set<String> IMAGE_NEVER = Set.of("InvalidImageName", "ErrImageNeverPull");
  private static final Set<String> IMAGE_RETRYING = Set.of("ErrImagePull", "ImagePullBackOff");
  private static final Set<String> CONFIG_ERRORS =
      Set.of("CreateContainerConfigError", "CreateContainerError", "RunContainerError");

  /** Whether the probe is over, with facts to read or a failure. */
  public boolean over() {
    return terminated || failure != null;
  }

  /** A probe that is over with this failure, whatever its status says. */
  static PodState failed(Failure failure) {
    return new PodState(false, null, null, failure, null, true);
  }

  /** Reads a probe pod's status. */
  public static PodState of(Pod pod) {
    var status = pod.getStatus();
    if (status == null) {
      return new PodState(false, null, null, null, null, false);
    }
    if ("Failed".equals(status.getPhase()) && "Evicted".equals(status.getReason())) {
      return new PodState(
          false, null, null, new Failure(Failure.EVICTED, status.getMessage()), null, true);
    }
    ContainerStatus probe = probeContainer(status.getContainerStatuses());
    if (probe != null && probe.getState() != null) {
      ContainerStateTerminated t = probe.getState().getTerminated();
      if (t != null) {
        // facts count only from a container that ended by itself (DESIGN.md "Trust")
        Failure ended = Interference.ending(pod.getMetadata().getName(), probe);
        return new PodState(true, t.getMessage(), t.getExitCode(), ended, null, true);
      }
      ContainerStateWaiting w = probe.getState().getWaiting();
      if (w != null && w.getReason() != null) {
        String detail = w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage());
        if (IMAGE_NEVER.contains(w.getReason())) {
          return new PodState(
              false, null, null, new Failure(Failure.IMAGE_PULL, detail), null, false);
        }
        if (IMAGE_RETRYING.contains(w.getReason())) {
          return new PodState(
              false, null, null, null, new Failure(Failure.IMAGE_PULL, detail), false);
        }
        if (CONFIG_ERRORS.contains(w.getReason())) {
          return new PodState(false, null, null, null, new Failure(Failure.INVALID, detail), false);
        }
      }
      if (probe.getState().getRunning() != null) {
        return new PodState(false, null, null, null, null, true);
      }
    }
    if ("Failed".equals(status.getPhase())) {
      String reason = status.getReason() == null ? "" : status.getReason();
      String detail = reason + (status.getMessage() == null ? "" : ": " + status.getMessage());
      String why = reason.equals("DeadlineExceeded") ? Failure.DEADLINE : Failure.API_ERROR;
      return new PodState(false, null, null, new Failure(why, detail), null, true);
    }
    for (PodCondition c : nullSafe(status.getConditions())) {
      if ("PodScheduled".equals(c.getType())
          && "False".equals(c.getStatus())
          && "Unschedulable".equals(c.getReason())) {
        return new PodState(
            false, null, null, null, new Failure(Failure.UNSCHEDULABLE, c.getMessage()), false);
      }
    }
    return new PodState(false, null, null, null, null, false);
  }

  private static ContainerStatus probeContainer(List<ContainerStatus> statuses) {
    for (ContainerStatus s : nullSafe(statuses)) {
      if (ProbeJobs.CONTAINER.equals(s.getName())) {
        return s;
      }
    }
    return null;
  }

  private static <T> List<T> nullSafe(List<T> list) {
    return list == null ? List.of() : list;
  }
}
