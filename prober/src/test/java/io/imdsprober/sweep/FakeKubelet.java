package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A job controller and kubelet in one, for the mock API server (after Strimzi's MockPodController):
 * each new probe Job becomes a pod whose status is scripted per namespace (facts in the termination
 * message, or a failure), or a FailedCreate event when the script says the pod was refused.
 * Deleting a Job leaves its pods (tests check that the prober asks for background propagation),
 * unless {@link #collectGarbage()} asks for the garbage collector's part too.
 */
public final class FakeKubelet implements AutoCloseable {
  /** What happens to a namespace's probe Job. */
  public interface Script {
    void run(FakeKubelet kubelet, Job job);
  }

  private final KubernetesClient client;
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final SharedIndexInformer<Job> informer;
  private volatile Script fallback;
  private volatile boolean collectGarbage;
  private volatile String fixedName;

  /** Every Job seen, by namespace, in order. */
  public final List<String> jobsSeen = new CopyOnWriteArrayList<>();

  public FakeKubelet(KubernetesClient client, Script fallback) {
    this.client = client;
    this.fallback = fallback;
    this.informer =
        client
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Job job) {
                    jobsSeen.add(job.getMetadata().getNamespace());
                    Script s =
                        scripts.getOrDefault(
                            job.getMetadata().getNamespace(), FakeKubelet.this.fallback);
                    executor.execute(() -> s.run(FakeKubelet.this, job));
                  }

                  @Override
                  public void onUpdate(Job oldJob, Job newJob) {}

                  @Override
                  public void onDelete(Job job, boolean unknown) {
                    // the mock has no garbage collector: the Job's pods stay unless asked
                    if (collectGarbage) {
                      executor.execute(() -> deletePodsOf(job));
                    }
                  }
                });
  }

  /**
   * Gives every pod this name from now on, so a test can expect its log path; a pod of that name
   * left by an earlier sweep (no garbage collector here) is deleted first.
   */
  public FakeKubelet podName(String name) {
    fixedName = name;
    return this;
  }

  /**
   * Deletes a deleted Job's pods, as a cluster's garbage collector does after a background
   * propagation (the mock cluster for benchmarks and the quick start: pods do not pile up).
   */
  public FakeKubelet collectGarbage() {
    collectGarbage = true;
    return this;
  }

  private void deletePodsOf(Job job) {
    String uid = job.getMetadata().getUid();
    client.pods().inNamespace(job.getMetadata().getNamespace()).list().getItems().stream()
        .filter(
            p ->
                p.getMetadata().getOwnerReferences() != null
                    && p.getMetadata().getOwnerReferences().stream()
                        .anyMatch(o -> uid.equals(o.getUid())))
        .forEach(p -> client.pods().resource(p).delete());
  }

  public FakeKubelet script(String namespace, Script script) {
    scripts.put(namespace, script);
    return this;
  }

  // ---- scripts

  /** The probe ran and left {@code message} as its termination message (exit code 0). */
  public static Script facts(String message) {
    return (k, job) -> k.terminated(job, message, 0);
  }

  /** The container ended with this message and exit code. */
  public static Script terminated(String message, int exitCode) {
    return (k, job) -> k.terminated(job, message, exitCode);
  }

  /** The job controller could not create the pod: a FailedCreate event with this message. */
  public static Script failedCreate(String message) {
    return (k, job) -> k.event(job, message);
  }

  /** A pod with this status, which never changes. */
  public static Script stuck(PodStatus status) {
    return (k, job) -> k.pod(job, status);
  }

  /** Nothing happens at all. */
  public static Script nothing() {
    return (k, job) -> {};
  }

  // ---- actions

  void terminated(Job job, String message, int exitCode) {
    pod(job, terminatedStatus(message, exitCode));
  }

  /** Writes a terminated status to a pod this kubelet made. */
  public Pod finish(Pod pod, String message, int exitCode) {
    pod.setStatus(terminatedStatus(asAgent(message, pod.getMetadata().getName()), exitCode));
    return client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
  }

  /** The status of a probe pod whose container ended with this message and exit code. */
  public static PodStatus terminatedStatus(String message, int exitCode) {
    Instant now = Instant.now();
    return new PodStatusBuilder()
        .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
        .addToContainerStatuses(
            new ContainerStatusBuilder()
                .withName(ProbeJobs.CONTAINER)
                .withNewState()
                .withNewTerminated()
                .withExitCode(exitCode)
                .withMessage(message)
                .withStartedAt(now.toString())
                .withFinishedAt(now.toString())
                .withReason(exitCode == 0 ? "Completed" : "Error")
                .endTerminated()
                .endState()
                .build())
        .build();
  }

  /**
   * Makes the Job's pod (on node-1 or its pinned pool's node, owned by the Job) with the status.
   */
  public Pod pod(Job job, PodStatus status) {
    String ns = job.getMetadata().getNamespace();
    String name = fixedName != null ? fixedName : job.getMetadata().getName() + "-" + suffix();
    Pod pod =
        new PodBuilder()
            .withNewMetadataLike(job.getSpec().getTemplate().getMetadata())
            .withName(name)
            .withNamespace(ns)
            .addToLabels("job-name", job.getMetadata().getName())
            .addToOwnerReferences(controller(job, job.getMetadata().getUid()))
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec())
            .editSpec()
            .withNodeName(nodeFor(job))
            .endSpec()
            .build();
    if (fixedName != null) {
      client.pods().inNamespace(ns).withName(name).delete();
    }
    Pod created = client.pods().inNamespace(ns).resource(pod).create();
    for (var cs : status.getContainerStatuses()) {
      var t = cs == null || cs.getState() == null ? null : cs.getState().getTerminated();
      if (t != null && t.getMessage() != null) {
        t.setMessage(asAgent(t.getMessage(), name));
      }
    }
    created.setStatus(status);
    return client.pods().inNamespace(ns).resource(created).updateStatus();
  }

  /**
   * The node the scheduler would pick: node-1, or for a pod pinned to a node pool (required node
   * affinity, one {@code In} expression) the first node with that label.
   */
  private String nodeFor(Job job) {
    var affinity = job.getSpec().getTemplate().getSpec().getAffinity();
    if (affinity == null || affinity.getNodeAffinity() == null) {
      return "node-1";
    }
    var expr =
        affinity
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms()
            .get(0)
            .getMatchExpressions()
            .get(0);
    return client
        .nodes()
        .withLabel(expr.getKey(), expr.getValues().get(0))
        .list()
        .getItems()
        .stream()
        .map(n -> n.getMetadata().getName())
        .sorted()
        .findFirst()
        .orElse("node-1");
  }

  /** A controller reference to the Job by name, with the given UID (the Job's own, or not). */
  public static OwnerReference controller(Job job, String uid) {
    return new OwnerReferenceBuilder()
        .withApiVersion("batch/v1")
        .withKind("Job")
        .withName(job.getMetadata().getName())
        .withUid(uid)
        .withController(true)
        .build();
  }

  /** The status of a probe pod whose container runs. */
  public static PodStatus running() {
    return new PodStatusBuilder()
        .withPhase("Running")
        .addNewContainerStatus()
        .withName(ProbeJobs.CONTAINER)
        .withNewState()
        .withNewRunning()
        .withStartedAt(Instant.now().toString())
        .endRunning()
        .endState()
        .endContainerStatus()
        .build();
  }

  /** Records the job controller's FailedCreate event for the Job. */
  public void event(Job job, String message) {
    String ns = job.getMetadata().getNamespace();
    client
        .v1()
        .events()
        .inNamespace(ns)
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withName(job.getMetadata().getName() + "." + suffix())
                .withNamespace(ns)
                .endMetadata()
                .withNewInvolvedObject()
                .withKind("Job")
                .withApiVersion("batch/v1")
                .withName(job.getMetadata().getName())
                .withNamespace(ns)
                .withUid(job.getMetadata().getUid())
                .endInvolvedObject()
                .withReason("FailedCreate")
                .withType("Warning")
                .withMessage(message)
                .build())
        .create();
  }

  /** Facts as the agent in pod {@code name} writes them: its own name in {@code pod}. */
  private static String asAgent(String message, String name) {
    return message == null
        ? null
        : message.replace(ProbeFacts.POD_FIELD, "\"pod\":\"" + name + "\"");
  }

  private static String suffix() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sb.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
    }
    return sb.toString();
  }

  @Override
  public void close() {
    informer.stop();
    executor.shutdownNow();
  }
}
