package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.imdsprober.verdict.Failure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sweep's one pod informer handler: routes each labelled pod to its namespace's probe and lets
 * through only the Job's own, unchanged pod ({@link PodTrust}) while nobody else has a hand in how
 * it ends ({@link Interference}). A second labelled pod, a pod that is not the Job's, or the
 * tracked pod deleted or relabelled before its result is tampering. Runs on the informer's thread;
 * never throws.
 */
final class ProbeWatch implements ResourceEventHandler<Pod> {
  /** What the run does with what the watch sees. */
  interface Run {
    /** Runs a step of a probe; an exception ends the probe as {@code internal}. */
    void guarded(Probe probe, Runnable step);

    /** The probe was tampered with: it ends as an error with this detail. */
    void tamper(Probe probe, String detail);

    /** The trusted pod is over: read its result. */
    void over(Probe probe, Pod pod, PodState state);
  }

  private final String sweepId;
  private final Map<String, Probe> inFlight;
  private final Run run;

  ProbeWatch(String sweepId, Map<String, Probe> inFlight, Run run) {
    this.sweepId = sweepId;
    this.inFlight = inFlight;
    this.run = run;
  }

  @Override
  public void onAdd(Pod pod) {
    observe(pod);
  }

  @Override
  public void onUpdate(Pod oldPod, Pod newPod) {
    observe(newPod);
  }

  @Override
  public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
    Probe probe = probeOf(pod);
    if (probe == null) {
      return;
    }
    run.guarded(
        probe,
        () -> {
          String uid = pod.getMetadata().getUid();
          if (probe.labelled.containsKey(uid)
              && uid.equals(trackedUid(probe))
              && Interference.deadlineDelete(pod, probe.jobDeadline, Instant.now())) {
            run.over(
                probe,
                pod,
                PodState.failed(
                    new Failure(
                        Failure.DEADLINE,
                        "pod "
                            + pod.getMetadata().getName()
                            + " was deleted by the Job controller: the probe Job's"
                            + " activeDeadlineSeconds passed")));
          } else if (probe.labelled.containsKey(uid) && !probe.claimed.get()) {
            run.tamper(
                probe,
                "pod "
                    + pod.getMetadata().getName()
                    + " was deleted or lost the label "
                    + ProbeJobs.SWEEP_LABEL
                    + " before its result was read");
          }
        });
  }

  /** Judges the pods seen before the Job's create returned, now that its UID is known. */
  void jobCreated(Probe probe) {
    for (Pod pod : probe.labelled.values()) {
      check(probe, pod);
    }
  }

  private static String trackedUid(Probe probe) {
    Pod tracked = probe.tracked;
    return tracked == null ? null : tracked.getMetadata().getUid();
  }

  private Probe probeOf(Pod pod) {
    if (pod == null || pod.getMetadata() == null || pod.getMetadata().getNamespace() == null) {
      return null;
    }
    return inFlight.get(pod.getMetadata().getNamespace());
  }

  private void observe(Pod pod) {
    Probe probe = probeOf(pod);
    if (probe == null || probe.claimed.get()) {
      return;
    }
    run.guarded(
        probe,
        () -> {
          probe.labelled.put(String.valueOf(pod.getMetadata().getUid()), pod);
          if (probe.labelled.size() > 1) {
            List<String> names = new ArrayList<>();
            probe.labelled.values().forEach(p -> names.add(p.getMetadata().getName()));
            names.sort(null);
            run.tamper(
                probe,
                names.size()
                    + " pods carry the label "
                    + ProbeJobs.SWEEP_LABEL
                    + "="
                    + sweepId
                    + ": "
                    + String.join(", ", names.subList(0, Math.min(5, names.size())))
                    + "; only the probe Job's own pod may");
            return;
          }
          if (probe.jobUid != null) {
            check(probe, pod);
          }
        });
  }

  /** The pod is the Job's own and unchanged, or the probe is tampered with. */
  private void check(Probe probe, Pod pod) {
    if (probe.claimed.get()) {
      return;
    }
    String problem = PodTrust.problem(pod, probe.jobUid, probe.template());
    if (problem != null) {
      run.tamper(probe, problem);
      return;
    }
    Failure interfered = Interference.of(pod, probe.jobDeadline);
    if (interfered != null) {
      run.over(probe, pod, PodState.failed(interfered));
      return;
    }
    probe.tracked = pod;
    PodState state = PodState.of(pod);
    probe.last = state;
    if (state.over()) {
      run.over(probe, pod, state);
    }
  }
}
