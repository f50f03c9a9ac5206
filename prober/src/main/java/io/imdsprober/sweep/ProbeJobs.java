package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.pools.NodePools;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The probe Job of one namespace in one sweep (DESIGN.md "Probe workloads"): Pod Security
 * "restricted", no service account token, never hostNetwork, small requests and limits, the agent's
 * flags in {@code IMDS_PROBE_*} environment variables. Pure.
 */
public final class ProbeJobs {
  public static final String NAME_LABEL = "app.kubernetes.io/name";
  public static final String NAME = "imds-probe";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "imds-prober";
  public static final String SWEEP_LABEL = "imds-prober.io/sweep";
  public static final String CONTAINER = "probe";

  private final Config config;
  private final String image;
  private final Cluster cluster;

  /**
   * @param config the probe.*, metadata.*, dns.* and egress.* keys
   * @param image the probe image
   * @param cluster the profile and targets to probe
   */
  public ProbeJobs(Config config, String image, Cluster cluster) {
    this.config = config;
    this.image = image;
    this.cluster = cluster;
  }

  /** The Job's name in every namespace of a sweep. */
  public static String jobName(String sweepId) {
    return NAME + "-" + sweepId;
  }

  /** The labels that mark every probe Job and pod of a sweep. */
  public static Map<String, String> ownLabels(String sweepId) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME_LABEL, NAME);
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    labels.put(SWEEP_LABEL, sweepId);
    return labels;
  }

  private static Affinity affinity(NodePools.Pool pool) {
    return new AffinityBuilder()
        .withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm()
        .addNewMatchExpression()
        .withKey(pool.labelKey())
        .withOperator("In")
        .withValues(pool.labelValue())
        .endMatchExpression()
        .endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .build();
  }

  /** The Job for one target. */
  public Job job(Target target, String sweepId) {
    return job(target, sweepId, null);
  }

  /**
   * The Job for one target, its pod pinned to a node pool (required node affinity on the pool's
   * label) when {@code pool} is not null.
   */
  public Job job(Target target, String sweepId, NodePools.Pool pool) {
    Map<String, String> podLabels = new LinkedHashMap<>(config.get(Keys.PROBE_LABELS));
    podLabels.putAll(target.probeLabels());
    podLabels.putAll(ownLabels(sweepId));
    long deadline = config.get(Keys.PROBE_DEADLINE).toSeconds();
    List<LocalObjectReference> pullSecrets = new ArrayList<>();
    for (String s : config.get(Keys.PROBE_IMAGE_PULL_SECRETS)) {
      pullSecrets.add(new LocalObjectReference(s));
    }
    String priorityClass = config.get(Keys.PROBE_PRIORITY_CLASS);
    long uid = config.get(Keys.PROBE_RUN_AS_USER);
    return new JobBuilder()
        .withNewMetadata()
        .withName(jobName(sweepId))
        .withNamespace(target.namespace())
        .withLabels(ownLabels(sweepId))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(deadline)
        .withTtlSecondsAfterFinished((int) config.get(Keys.PROBE_TTL_AFTER_FINISHED).toSeconds())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(podLabels)
        .withAnnotations(config.get(Keys.PROBE_ANNOTATIONS))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withHostNetwork(false)
        .withHostPID(false)
        .withHostIPC(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(5L)
        .withNodeSelector(config.get(Keys.PROBE_NODE_SELECTOR))
        .withTolerations(config.get(Keys.PROBE_TOLERATIONS))
        .withAffinity(pool == null ? null : affinity(pool))
        .withPriorityClassName(priorityClass.isEmpty() ? null : priorityClass)
        .withImagePullSecrets(pullSecrets)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(uid)
        .withRunAsGroup(uid)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(image)
        .withImagePullPolicy(config.get(Keys.PROBE_IMAGE_PULL_POLICY))
        .withCommand(config.get(Keys.PROBE_COMMAND))
        .withArgs("probe")
        .withEnv(env())
        .withNewResources()
        .addToRequests("cpu", new Quantity(config.get(Keys.PROBE_CPU_REQUEST)))
        .addToRequests("memory", new Quantity(config.get(Keys.PROBE_MEMORY_REQUEST)))
        .addToLimits("cpu", new Quantity(config.get(Keys.PROBE_CPU_LIMIT)))
        .addToLimits("memory", new Quantity(config.get(Keys.PROBE_MEMORY_LIMIT)))
        .endResources()
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(uid)
        .withAllowPrivilegeEscalation(false)
        .withPrivileged(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withTerminationMessagePath("/dev/termination-log")
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private List<EnvVar> env() {
    List<EnvVar> env = new ArrayList<>();
    env.add(env("IMDS_PROBE_PROFILE", AgentSettings.profile(cluster)));
    env.add(env("IMDS_PROBE_METADATA", AgentSettings.metadata(cluster, config)));
    env.add(env("IMDS_PROBE_DNS_NAME", AgentSettings.dnsNames(config)));
    env.add(env("IMDS_PROBE_EGRESS_URL", AgentSettings.egressUrls(config)));
    env.add(env("IMDS_PROBE_CONNECT_TIMEOUT", AgentSettings.connectTimeout(config)));
    env.add(env("IMDS_PROBE_SETTLE", AgentSettings.settle(config)));
    env.add(env("IMDS_PROBE_RETRIES", AgentSettings.retries(config)));
    env.add(fieldRef("IMDS_PROBE_POD_NAME", "metadata.name"));
    env.add(fieldRef("IMDS_PROBE_NODE_NAME", "spec.nodeName"));
    return env;
  }

  private static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static EnvVar fieldRef(String name, String path) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(path)
        .endFieldRef()
        .endValueFrom()
        .build();
  }
}
