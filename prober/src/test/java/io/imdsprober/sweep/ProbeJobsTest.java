package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.Profile;
import io.imdsprober.verdict.Expectations;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ProbeJobsTest {
  static final Cluster AWS = new Cluster(Profile.AWS, "test", Set.of("n1"), Set.of());

  static Job job(Map<String, String> keys, Map<String, String> nsLabels) {
    Config c = Config.load(Keys.ALL, null, Map.of(), keys);
    Target t = new Target("team-a", Expectations.DEFAULT, nsLabels, false, null);
    return new ProbeJobs(c, "registry.example/imds-prober:1.0", AWS).job(t, "20261126-120000-abcd");
  }

  static Map<String, String> env(Container c) {
    return c.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  @Test
  @DisplayName("the probe pod passes Pod Security restricted, has no token, never hostNetwork")
  void restricted() {
    Job job = job(Map.of(), Map.of());
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertThat(pod.getHostNetwork()).isFalse();
    assertThat(pod.getHostPID()).isFalse();
    assertThat(pod.getHostIPC()).isFalse();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getVolumes()).isEmpty();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getPrivileged()).isFalse();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getSecurityContext().getCapabilities().getAdd()).isEmpty();
    assertThat(c.getPorts()).isEmpty();
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
    assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(60L);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(600);
  }

  @Test
  @DisplayName(
      "the agent gets the profile, the targets (allowed ones TCP only) and its timeouts in env")
  void agentEnv() {
    Container c =
        job(Map.of("dns.names", "kubernetes.default.svc.corp.local"), Map.of())
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(c.getImage()).isEqualTo("registry.example/imds-prober:1.0");
    assertThat(c.getArgs()).containsExactly("probe");
    assertThat(env(c))
        .containsEntry("IMDS_PROBE_PROFILE", "aws")
        .containsEntry(
            "IMDS_PROBE_METADATA", "169.254.169.254:80,[fd00:ec2::254]:80,tcp=169.254.170.23:80")
        .containsEntry("IMDS_PROBE_DNS_NAME", "kubernetes.default.svc.corp.local")
        .containsEntry("IMDS_PROBE_EGRESS_URL", "https://example.com/")
        .containsEntry("IMDS_PROBE_CONNECT_TIMEOUT", "3s");
    assertThat(c.getEnv())
        .filteredOn(e -> e.getValueFrom() != null)
        .extracting(e -> e.getValueFrom().getFieldRef().getFieldPath())
        .containsExactlyInAnyOrder("metadata.name", "spec.nodeName");
  }

  @Test
  @DisplayName(
      "scheduling and labels from the config and the namespace; the prober's own labels win")
  void schedulingAndLabels() {
    Job job =
        job(
            Map.of(
                "probe.tolerations", "[{key: dedicated, operator: Exists}]",
                "probe.nodeSelector", "pool=probes",
                "probe.priorityClassName", "low",
                "probe.imagePullSecrets", "regcred",
                "probe.labels", "team=platform"),
            Map.of("app", "web", "imds-prober.io/sweep", "spoofed"));
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getTolerations()).extracting(t -> t.getKey()).containsExactly("dedicated");
    assertThat(pod.getNodeSelector()).containsExactly(Map.entry("pool", "probes"));
    assertThat(pod.getPriorityClassName()).isEqualTo("low");
    assertThat(pod.getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("regcred");
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("team", "platform")
        .containsEntry("app", "web")
        .containsEntry("imds-prober.io/sweep", "20261126-120000-abcd")
        .containsEntry("app.kubernetes.io/managed-by", "imds-prober");
    assertThat(job.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("sidecar.istio.io/inject", "false")
        .containsEntry("linkerd.io/inject", "disabled");
    assertThat(job(Map.of(), Map.of()).getSpec().getTemplate().getSpec().getNodeSelector())
        .containsExactly(Map.entry("kubernetes.io/os", "linux"));
  }

  @Test
  @DisplayName("profile from spec.providerID; the GKE metadata server is allowed on its nodes only")
  void clusterProfile() {
    assertThat(Cluster.fromProviderId("aws:///eu-west-1a/i-0abc")).isEqualTo(Profile.AWS);
    assertThat(Cluster.fromProviderId("gce://proj/europe-west1-b/node-1")).isEqualTo(Profile.GCP);
    assertThat(Cluster.fromProviderId("azure:///subscriptions/x/resourceGroups/y"))
        .isEqualTo(Profile.AZURE);
    assertThat(Cluster.fromProviderId("oci://ocid1.instance.oc1.iad.x")).isEqualTo(Profile.OCI);
    assertThat(Cluster.fromProviderId("cn-hangzhou.i-bp1abc")).isEqualTo(Profile.ALIBABA);
    assertThat(Cluster.fromProviderId("kind://docker/kind/kind-control-plane"))
        .isEqualTo(Profile.GENERIC);
    assertThat(Cluster.fromProviderId(null)).isEqualTo(Profile.GENERIC);

    Cluster gke =
        new Cluster(Profile.GCP, "test", Set.of("wi-node", "plain-node"), Set.of("wi-node"));
    Config c = Config.defaults();
    assertThat(gke.platformTargets(c, "wi-node").keySet()).contains(Cluster.GKE_METADATA_TARGET);
    assertThat(gke.platformTargets(c, "plain-node").keySet())
        .doesNotContain(Cluster.GKE_METADATA_TARGET);
    assertThat(gke.platformTargets(c, null).keySet()).doesNotContain(Cluster.GKE_METADATA_TARGET);
    Config strict =
        Config.load(Keys.ALL, null, Map.of(), Map.of("metadata.gkeMetadataServerAllowed", "false"));
    assertThat(gke.platformTargets(strict, "wi-node").keySet())
        .doesNotContain(Cluster.GKE_METADATA_TARGET);
    assertThat(Cluster.of(List.of(), Optional.of(Profile.OCI)).profile()).isEqualTo(Profile.OCI);
  }

  @Test
  @DisplayName(
      "prediction by policy: the GKE metadata server's address counts only where some node lacks it")
  void exposureTargets() {
    Config c = Config.defaults();
    Cluster allServed = new Cluster(Profile.GCP, "test", Set.of("a", "b"), Set.of("a", "b"));
    Cluster mixed = new Cluster(Profile.GCP, "test", Set.of("a", "b"), Set.of("a"));
    assertThat(allServed.agentTargets(c)).contains(Cluster.GKE_METADATA_TARGET);
    assertThat(allServed.exposureTargets(c))
        .as("every node answers it with the workload's own identity: not an exposure")
        .doesNotContain(Cluster.GKE_METADATA_TARGET);
    assertThat(mixed.exposureTargets(c))
        .as("a workload may land on a node whose 169.254.169.254 is the VM's own")
        .contains(Cluster.GKE_METADATA_TARGET);
    Config strict =
        Config.load(Keys.ALL, null, Map.of(), Map.of("metadata.gkeMetadataServerAllowed", "false"));
    assertThat(allServed.exposureTargets(strict)).contains(Cluster.GKE_METADATA_TARGET);
    assertThat(allServed.exposureTargets(c))
        .as("metadata.allowed (EKS Pod Identity by default) is never an exposure")
        .noneMatch(w -> w.endsWith(Cluster.EKS_POD_IDENTITY_TARGET));
  }
}
