package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One probe of a sweep, from its Job's create to its result: whoever claims it first (the pod
 * watch, a timer, a tamper, a cancel) ends it; its future completes once, whatever happens.
 */
final class Probe {
  final Target target;
  final Job built;
  final CompletableFuture<NamespaceResult> result = new CompletableFuture<>();
  final AtomicBoolean claimed = new AtomicBoolean();

  /** Every pod seen with the sweep's label in the namespace: UID to its latest version. */
  final Map<String, Pod> labelled = new ConcurrentHashMap<>();

  /** The UID the Job's create returned; null until then. */
  volatile String jobUid;

  /**
   * The earliest the Job controller stops the pod for the Job's {@code activeDeadlineSeconds}: the
   * Job's creation (as the API server stamped it) plus that deadline; set before {@link #jobUid}.
   */
  volatile Instant jobDeadline;

  /** The latest version of the pod accepted as the Job's own. */
  volatile Pod tracked;

  volatile PodState last;
  volatile ScheduledFuture<?> noPodCheck;
  volatile ScheduledFuture<?> deadline;

  Probe(Target target, Job built) {
    this.target = target;
    this.built = built;
  }

  String namespace() {
    return target.namespace();
  }

  PodTemplateSpec template() {
    return built.getSpec().getTemplate();
  }

  void cancelTimers() {
    if (noPodCheck != null) {
      noPodCheck.cancel(false);
    }
    if (deadline != null) {
      deadline.cancel(false);
    }
  }
}
