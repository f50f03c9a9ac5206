package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every Kubernetes API call a sweep makes (Strimzi's {@code PodOperator}): the sweep's steps
 * decide, this class talks to the API server. Calls that a sweep cannot do without throw {@link
 * SweepException} with a sentence that names the server and the action.
 */
final class ProbeApi {
  private static final Logger logger = LoggerFactory.getLogger(ProbeApi.class);

  /** The most of a probe pod's log the prober reads; the agent's result line is under 4 KiB. */
  static final int LOG_TAIL_BYTES = 64 * 1024;

  static final int LOG_TAIL_LINES = 20;

  private final KubernetesClient client;
  private final Config config;
  private final String server;
  private final ProbePods pods;

  ProbeApi(KubernetesClient client, Config config, ProbePods pods) {
    this.client = client;
    this.config = config;
    this.pods = pods;
    this.server = String.valueOf(client.getMasterUrl());
  }

  String server() {
    return server;
  }

  /** Every probe Job in the cluster, by the managed-by label. */
  List<Job> probeJobs() {
    return call(
        "list jobs in all namespaces",
        () ->
            client
                .batch()
                .v1()
                .jobs()
                .inAnyNamespace()
                .withLabel(ProbeJobs.MANAGED_BY_LABEL, ProbeJobs.MANAGED_BY)
                .list()
                .getItems());
  }

  List<Namespace> namespaces() {
    return call(
        "list namespaces",
        () -> {
          String selector = config.get(Keys.NAMESPACE_SELECTOR);
          var op = client.namespaces();
          return (selector.isEmpty() ? op.list() : op.withLabelSelector(selector).list())
              .getItems();
        });
  }

  /** The cluster's workloads (slim pods) and NetworkPolicies, page by page, under the caps. */
  ClusterPolicies.Listing workloadsAndPolicies(
      java.util.Set<String> namespaces,
      List<? extends io.fabric8.kubernetes.api.model.HasMetadata> watched,
      java.util.Map<io.imdsprober.policy.ForeignPolicies.Kind, String> served) {
    return call(
        "list pods and network policies in "
            + (namespaces == null ? "all namespaces" : "namespaces " + namespaces),
        () ->
            ClusterPolicies.list(
                client,
                namespaces,
                watched,
                served,
                io.imdsprober.policy.PolicyWeight.Caps.of(config)));
  }

  List<Node> nodes() {
    return call("list nodes", () -> client.nodes().list().getItems());
  }

  /**
   * Creates the Job and returns it as the API server stored it (with its UID). A retried create
   * answered 409 had gone through: the stored Job is read back.
   *
   * @throws KubernetesClientException when the API server refused it
   */
  Job createJob(Job job) {
    String ns = job.getMetadata().getNamespace();
    try {
      return client.batch().v1().jobs().inNamespace(ns).resource(job).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      Job stored =
          client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get();
      if (stored == null) {
        throw e;
      }
      return stored;
    }
  }

  /** Deletes a Job and, by background propagation, its pods; a failure is logged, not thrown. */
  void deleteJob(String namespace, String name) {
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .withName(name)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
    } catch (KubernetesClientException e) {
      logger.warn(
          "could not delete probe Job {}/{}; the next sweep deletes it as an orphan: {}",
          namespace,
          name,
          ApiErrors.message(e));
    }
  }

  /** The events about the Job, by field selector. */
  List<Event> jobEvents(String namespace, String jobName) {
    return client
        .v1()
        .events()
        .inNamespace(namespace)
        .withField("involvedObject.name", jobName)
        .list()
        .getItems();
  }

  /** A Job, or null when there is none of that name. */
  Job job(String namespace, String name) {
    return client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
  }

  /** A pod, or null when there is none of that name. */
  Pod pod(String namespace, String name) {
    return client.pods().inNamespace(namespace).withName(name).get();
  }

  /**
   * The last lines of a pod's log, at most {@link #LOG_TAIL_BYTES} bytes of them whatever the
   * server sends.
   *
   * @param text what was read
   * @param cut whether the log went on past the bound
   */
  record LogTail(String text, boolean cut) {}

  LogTail logTail(String namespace, String pod) throws IOException {
    try (InputStream in =
        client
            .pods()
            .inNamespace(namespace)
            .withName(pod)
            .limitBytes(LOG_TAIL_BYTES)
            .tailingLines(LOG_TAIL_LINES)
            .getLogInputStream()) {
      byte[] bytes = in.readNBytes(LOG_TAIL_BYTES + 1);
      boolean cut = bytes.length > LOG_TAIL_BYTES;
      int n = Math.min(bytes.length, LOG_TAIL_BYTES);
      return new LogTail(new String(bytes, 0, n, StandardCharsets.UTF_8), cut);
    }
  }

  /**
   * Lets {@code handler} see this sweep's probe pods (on the process's one probe-pod watch) until
   * the returned handle is closed.
   *
   * @throws SweepException when the watch cannot be started
   */
  AutoCloseable watchProbePods(String sweepId, ResourceEventHandler<Pod> handler) {
    return pods.register(sweepId, handler);
  }

  private interface ApiCall<T> {
    T call();
  }

  private <T> T call(String action, ApiCall<T> call) {
    try {
      return call.call();
    } catch (KubernetesClientException e) {
      throw new SweepException(ApiErrors.describe(action, server, e), e);
    }
  }
}
