package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One watch over every probe pod (the pods that carry {@code imds-prober.io/sweep}), shared by the
 * sweeps of a process: each sweep registers a handler that sees only its own sweep's pods, exactly
 * as a watch selected by {@code imds-prober.io/sweep=<id>} would (a pod relabelled to the sweep's
 * id enters it, one relabelled away or unlabelled leaves it as a delete), and the pods already
 * there when it registers as adds. A re-probe after a change therefore starts no watch of its own,
 * and the API server keeps one watch open instead of one per sweep. Started at the first sweep and
 * again when it has stopped; a watch that drops re-lists and tells what changed meanwhile.
 */
final class ProbePods implements AutoCloseable {
  private final KubernetesClient client;
  private final String server;
  private final Duration startTimeout;
  private SharedIndexInformer<Pod> informer;

  ProbePods(KubernetesClient client, Duration startTimeout) {
    this.client = client;
    this.server = String.valueOf(client.getMasterUrl());
    this.startTimeout = startTimeout;
  }

  /**
   * Lets {@code handler} see the pods of sweep {@code sweepId} until the returned handle is closed.
   *
   * @throws SweepException when the watch cannot be started
   */
  synchronized AutoCloseable register(String sweepId, ResourceEventHandler<Pod> handler) {
    SharedIndexInformer<Pod> running = running();
    ResourceEventHandler<Pod> own = new OneSweep(sweepId, handler);
    running.addEventHandler(own);
    return () -> running.removeEventHandler(own);
  }

  private SharedIndexInformer<Pod> running() {
    if (informer != null && informer.isRunning()) {
      return informer;
    }
    if (informer != null) {
      informer.stop();
    }
    SharedIndexInformer<Pod> started =
        client.pods().inAnyNamespace().withLabel(ProbeJobs.SWEEP_LABEL).runnableInformer(0);
    try {
      started.start().toCompletableFuture().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      started.stop();
      Throwable cause = e.getCause();
      throw cause instanceof KubernetesClientException k
          ? new SweepException(ApiErrors.describe("watch pods in all namespaces", server, k), k)
          : new SweepException("cannot watch probe pods: " + cause, cause);
    } catch (TimeoutException e) {
      started.stop();
      throw new SweepException("cannot watch probe pods: no answer from " + server, e);
    } catch (InterruptedException e) {
      started.stop();
      Thread.currentThread().interrupt();
      throw new SweepException("interrupted while starting the pod watch", e);
    }
    informer = started;
    return started;
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.stop();
      try {
        // let the watch's close reach the API server before the client itself goes
        informer.stopped().toCompletableFuture().get(2, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // stopping is best effort: the process is ending or the sweeper is discarded
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      informer = null;
    }
  }

  /** One sweep's view of the shared watch: its own sweep id's pods only. */
  private record OneSweep(String sweepId, ResourceEventHandler<Pod> handler)
      implements ResourceEventHandler<Pod> {
    private boolean ours(Pod pod) {
      Map<String, String> labels = pod == null ? null : pod.getMetadata().getLabels();
      return labels != null && Objects.equals(labels.get(ProbeJobs.SWEEP_LABEL), sweepId);
    }

    @Override
    public void onAdd(Pod pod) {
      if (ours(pod)) {
        handler.onAdd(pod);
      }
    }

    @Override
    public void onUpdate(Pod before, Pod after) {
      boolean was = ours(before);
      boolean is = ours(after);
      if (was && is) {
        handler.onUpdate(before, after);
      } else if (was) {
        handler.onDelete(before, false); // relabelled away: it left this sweep's selection
      } else if (is) {
        handler.onAdd(after); // relabelled to this sweep: it entered the selection
      }
    }

    @Override
    public void onDelete(Pod pod, boolean finalStateUnknown) {
      if (ours(pod)) {
        handler.onDelete(pod, finalStateUnknown);
      }
    }
  }
}
