package io.imdsprober.ship;

import static io.imdsprober.ship.Manifests.objects;
import static io.imdsprober.ship.Manifests.one;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.Profile;
import io.imdsprober.sweep.Cluster;
import io.imdsprober.sweep.ProbeJobs;
import io.imdsprober.sweep.Target;
import io.imdsprober.verdict.Expectations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kustomize overlays build, hold what a platform team needs, and pass Pod Security. */
class ManifestsTest {
  static List<String> kinds(List<HasMetadata> objects) {
    return objects.stream().map(HasMetadata::getKind).sorted().toList();
  }

  @Test
  @DisplayName(
      "overlays/deployment: serve with RBAC, Lease Role, config, Service, ServiceMonitor, policy, alerts, dashboard")
  void deployment(@TempDir Path dir) throws Exception {
    List<HasMetadata> objects = objects(Manifests.kustomize("deployment"));
    assertThat(kinds(objects))
        .containsExactlyInAnyOrder(
            "ClusterRole",
            "ClusterRoleBinding",
            "ConfigMap",
            "ConfigMap",
            "ConfigMap",
            "Deployment",
            "Namespace",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "PrometheusRule",
            "Role",
            "Role",
            "RoleBinding",
            "RoleBinding",
            "Service",
            "ServiceAccount",
            "ServiceMonitor",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "ValidatingAdmissionPolicyBinding",
            "ValidatingAdmissionPolicyBinding",
            "ValidatingAdmissionPolicyBinding");
    assertThat(objects)
        .allSatisfy(
            o ->
                assertThat(o.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/name", "imds-prober"));
    Deployment d = one(objects, Deployment.class, "imds-prober");
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getArgs()).startsWith("serve");
    assertThat(env(c, "IMDS_PROBER_PROBE_IMAGE")).isEqualTo(c.getImage());
    assertThat(PodSecurityRestricted.violations(d.getSpec().getTemplate().getSpec())).isEmpty();
    assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("imds-prober");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    var anti = d.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity();
    assertThat(anti.getPreferredDuringSchedulingIgnoredDuringExecution())
        .extracting(w -> w.getPodAffinityTerm().getTopologyKey())
        .contains("kubernetes.io/hostname");
    var pdb =
        one(objects, io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class, "imds");
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(
            d.getSpec().getTemplate().getMetadata().getLabels().entrySet().stream()
                .filter(e -> pdb.getSpec().getSelector().getMatchLabels().containsKey(e.getKey()))
                .collect(java.util.stream.Collectors.toMap(e -> e.getKey(), e -> e.getValue())));
    ConfigMap dashboard = one(objects, ConfigMap.class, "imds-prober-dashboard");
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(dashboard.getData()).containsKey("imds-prober.json");
    assertConfigLoads(objects, dir);
  }

  @Test
  @DisplayName(
      "overlays/cronjob: sweep --once every 10 minutes, Forbid, a starting deadline, history limits, the Pushgateway")
  void cronjob(@TempDir Path dir) throws Exception {
    List<HasMetadata> objects = objects(Manifests.kustomize("cronjob"));
    assertThat(kinds(objects)).doesNotContain("Service", "ServiceMonitor");
    assertThat(objects)
        .filteredOn(o -> o.getKind().equals("Role") || o.getKind().equals("RoleBinding"))
        .as("no Lease Role: a CronJob does not elect; the admission parameters' reader stays")
        .extracting(o -> o.getMetadata().getName())
        .containsOnly("imds-prober-admission");
    CronJob cj = one(objects, CronJob.class, "imds-prober");
    assertThat(cj.getSpec().getSchedule()).isEqualTo("*/10 * * * *");
    assertThat(cj.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(cj.getSpec().getStartingDeadlineSeconds()).isPositive();
    assertThat(cj.getSpec().getSuccessfulJobsHistoryLimit()).isPositive();
    assertThat(cj.getSpec().getFailedJobsHistoryLimit()).isPositive();
    PodSpec pod = cj.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertThat(c.getArgs()).startsWith("sweep", "--once").contains("--pushgateway");
    assertThat(env(c, "IMDS_PROBER_PROBE_IMAGE")).isEqualTo(c.getImage());
    assertThat(PodSecurityRestricted.violations(pod)).isEmpty();
    assertConfigLoads(objects, dir);
  }

  @Test
  @DisplayName(
      "the probe Job the sweep creates passes Pod Security restricted, with the config's scheduling")
  void probeJob() {
    Config config =
        Config.load(
            Keys.ALL,
            null,
            Map.of(),
            Map.of(
                "probe.tolerations",
                "[{key: dedicated, operator: Exists}]",
                "probe.labels",
                "a=b"));
    Job job =
        new ProbeJobs(
                config,
                "ghcr.io/imds-prober/imds-prober:0.1.0",
                new Cluster(Profile.AWS, "test", Set.of(), Set.of()))
            .job(new Target("team-a", Expectations.DEFAULT, Map.of(), false, null), "s1");
    assertThat(PodSecurityRestricted.violations(job.getSpec().getTemplate().getSpec())).isEmpty();
  }

  @Test
  @DisplayName("the checker itself finds what restricted forbids")
  void checkerFindsViolations() {
    Config config = Config.defaults();
    Job job =
        new ProbeJobs(config, "x", new Cluster(Profile.AWS, "t", Set.of(), Set.of()))
            .job(new Target("a", Expectations.DEFAULT, Map.of(), false, null), "s1");
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    pod.setHostNetwork(true);
    pod.getContainers().get(0).getSecurityContext().setAllowPrivilegeEscalation(true);
    pod.getContainers().get(0).getSecurityContext().getCapabilities().setDrop(List.of());
    pod.getSecurityContext().setRunAsNonRoot(null);
    pod.getContainers().get(0).getSecurityContext().setRunAsNonRoot(null);
    assertThat(PodSecurityRestricted.violations(pod))
        .contains(
            "hostNetwork",
            "container probe: allowPrivilegeEscalation must be false",
            "container probe: capabilities must drop ALL",
            "container probe: runAsNonRoot must be true");
  }

  /** The shipped config.yaml is valid for the prober's own loader. */
  static void assertConfigLoads(List<HasMetadata> objects, Path dir) throws Exception {
    ConfigMap cm = one(objects, ConfigMap.class, "imds-prober-config");
    Path file = Files.writeString(dir.resolve("config.yaml"), cm.getData().get("config.yaml"));
    Config config = Config.load(Keys.ALL, file, Map.of(), Map.of());
    assertThat(config.get(Keys.NAMESPACE_EXCLUDE)).contains("imds-prober", "kube-system");
    assertThat(config.get(Keys.LEADER_ELECTION_NAMESPACE)).isEqualTo("imds-prober");
  }

  private static String env(Container c, String name) {
    return c.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getValue();
  }
}
