package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.util.Durations;
import io.imdsprober.verdict.Failure;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a probe ended, in the three ways it can: its trusted pod is over (the result is read from the
 * termination message or, bounded, the log), no pod appeared (the Job's events say why), or its
 * deadline passed (the pod is looked at once more: gone or relabelled is tampering).
 */
final class ProbeOutcomes {
  private static final Logger logger = LoggerFactory.getLogger(ProbeOutcomes.class);

  private final ProbeApi api;
  private final Config config;
  private final Cluster cluster;
  private final List<String> planned;
  private final String sweepId;
  private final String jobName;

  ProbeOutcomes(ProbeApi api, Config config, Cluster cluster, String sweepId) {
    this.api = api;
    this.config = config;
    this.cluster = cluster;
    this.planned = cluster.plannedTargets(config);
    this.sweepId = sweepId;
    this.jobName = ProbeJobs.jobName(sweepId);
  }

  /** The result of a probe whose trusted pod is over. */
  NamespaceResult read(Probe probe, Pod pod, PodState state) {
    String ns = probe.namespace();
    if (state.failure() != null) {
      return NamespaceResult.failed(ns, state.failure());
    }
    String name = pod.getMetadata().getName();
    String text = state.message();
    String source = "termination message";
    if (text == null || text.isBlank()) {
      source = "log tail";
      try {
        ProbeApi.LogTail tail = api.logTail(ns, name);
        if (tail.cut()) {
          return NamespaceResult.failed(
              ns,
              new Failure(
                  Failure.INCOMPLETE_RESULT,
                  "empty termination message, and the log tail runs past "
                      + ProbeApi.LOG_TAIL_BYTES
                      + " bytes; the prober reads no further"));
        }
        text = tail.text();
      } catch (KubernetesClientException | IOException e) {
        return NamespaceResult.failed(
            ns,
            new Failure(
                Failure.MALFORMED_RESULT,
                "empty termination message, and the log tail could not be read: "
                    + (e instanceof KubernetesClientException k
                        ? ApiErrors.message(k)
                        : e.toString())));
      }
    }
    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    ResultReader.Plan plan =
        new ResultReader.Plan(
            planned,
            n -> cluster.platformTargets(config, n),
            probe.target.expectations(),
            config.get(Keys.PROBE_CONNECT_TIMEOUT));
    return ResultReader.read(
        ns, plan, new ResultReader.Output(name, node, text, source, state.exitCode()));
  }

  /**
   * Why no pod appeared: the Job changed by someone else (suspended, scaled to nothing, its spec
   * edited, deleted: {@code tampered}, whatever events say, since a tenant with {@code edit} can
   * write a FailedCreate event too), else the Job's FailedCreate events; null when they say
   * nothing.
   */
  Failure noPod(Probe probe) {
    Failure changed = jobChanged(probe);
    if (changed != null) {
      return changed;
    }
    List<Event> events;
    try {
      events = api.jobEvents(probe.namespace(), jobName);
    } catch (KubernetesClientException e) {
      logger.debug(
          "{}: could not read the probe Job's events: {}", probe.namespace(), ApiErrors.message(e));
      return null;
    }
    Failure f = Failures.fromJobEvents(events, jobName);
    logger.debug(
        "{}: {} event(s) about the probe Job, failure {}", probe.namespace(), events.size(), f);
    return f;
  }

  /** The probe Job as someone else left it, or null when it is as the prober created it. */
  private Failure jobChanged(Probe probe) {
    Job job;
    try {
      job = api.job(probe.namespace(), jobName);
    } catch (KubernetesClientException e) {
      logger.debug("{}: could not read the probe Job: {}", probe.namespace(), ApiErrors.message(e));
      return null;
    }
    String what = null;
    if (job == null) {
      what = "was deleted";
    } else if (!java.util.Objects.equals(probe.jobUid, job.getMetadata().getUid())) {
      what = "was replaced (uid " + job.getMetadata().getUid() + ")";
    } else if (job.getSpec() != null && Boolean.TRUE.equals(job.getSpec().getSuspend())) {
      what = "was suspended";
    } else if (job.getSpec() != null
        && job.getSpec().getParallelism() != null
        && job.getSpec().getParallelism() == 0) {
      what = "was scaled to parallelism 0";
    } else if (job.getMetadata().getGeneration() != null && job.getMetadata().getGeneration() > 1) {
      what = "had its spec changed (generation " + job.getMetadata().getGeneration() + ")";
    }
    return what == null
        ? null
        : new Failure(
            Failure.TAMPERED,
            "the probe Job "
                + jobName
                + " "
                + what
                + " after the prober created it, and no probe pod appeared");
  }

  /**
   * Why the probe had no result by its deadline. The watch may not say that a pod lost its label:
   * the tracked pod is read once, and gone or relabelled is {@code tampered}.
   */
  Failure atDeadline(Probe probe) {
    Pod tracked = probe.tracked;
    if (tracked != null) {
      Pod now = api.pod(probe.namespace(), tracked.getMetadata().getName());
      if (now == null
          || !tracked.getMetadata().getUid().equals(now.getMetadata().getUid())
          || now.getMetadata().getLabels() == null
          || !sweepId.equals(now.getMetadata().getLabels().get(ProbeJobs.SWEEP_LABEL))) {
        return new Failure(
            Failure.TAMPERED,
            "pod "
                + tracked.getMetadata().getName()
                + (now == null ? " was deleted" : " lost the label " + ProbeJobs.SWEEP_LABEL)
                + " before its result was read");
      }
    }
    PodState last = probe.last;
    String deadline = Durations.format(config.get(Keys.PROBE_DEADLINE));
    if (last != null && last.hint() != null) {
      return last.hint();
    } else if (last != null && last.started()) {
      return new Failure(
          Failure.DEADLINE, "the probe did not finish within probe.deadline " + deadline);
    } else if (last != null) {
      return new Failure(Failure.TIMEOUT, "the probe pod never started within " + deadline);
    }
    return new Failure(
        Failure.TIMEOUT,
        "no probe pod appeared within " + deadline + " and the Job's events named no cause");
  }
}
