package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.Profile;
import io.imdsprober.metrics.Promtool;
import io.imdsprober.sweep.AgentSettings;
import io.imdsprober.sweep.Cluster;
import io.imdsprober.sweep.PolicyParams;
import io.imdsprober.sweep.ProbeJobs;
import io.imdsprober.sweep.Target;
import io.imdsprober.verdict.Expectations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks the kustomize output passes, run on one Helm render: the prober's pod passes Pod
 * Security restricted, its RBAC grants exactly what its requests need, the admission policy admits
 * the probe Jobs the prober builds from the rendered configuration, the rules pass promtool, and
 * the dashboard is the one whose names DashboardTest checks.
 */
final class HelmRenderChecks {
  private HelmRenderChecks() {}

  /** The prober's pod: the Deployment's or the CronJob's. */
  static PodSpec proberPod(List<HasMetadata> objects) {
    for (HasMetadata o : objects) {
      if (o instanceof Deployment d) {
        return d.getSpec().getTemplate().getSpec();
      }
      if (o instanceof CronJob c) {
        return c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
      }
    }
    throw new AssertionError("no Deployment or CronJob rendered");
  }

  /** The configuration the prober starts with: the rendered config.yaml under its env. */
  static Config config(List<HasMetadata> objects, Path dir) throws Exception {
    ConfigMap cm = Manifests.one(objects, ConfigMap.class, "imds-prober-config");
    Path file = Files.writeString(dir.resolve("config.yaml"), cm.getData().get("config.yaml"));
    Map<String, String> env = new HashMap<>();
    Container c = proberPod(objects).getContainers().get(0);
    for (EnvVar e : c.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      }
    }
    return Config.load(Keys.ALL, file, env, Map.of());
  }

  static void podSecurity(List<HasMetadata> objects) {
    assertThat(PodSecurityRestricted.violations(proberPod(objects))).isEmpty();
  }

  /**
   * RbacTest's grants-equal-requests on the rendered roles: the requests the prober makes (serve's
   * Lease only where it elects, the admission parameter object only where the policy is), allowed
   * by the rendered ClusterRole, the Roles of imds-prober and, with namespaced RBAC, the
   * per-namespace ClusterRole in the namespaces the rendered RoleBindings bind; each grant used.
   */
  static void rbac(List<HasMetadata> objects, Path dir, boolean elects, boolean admission)
      throws Exception {
    List<RbacTest.Access> accesses = new ArrayList<>();
    for (RbacTest.Access a : RbacTest.accesses(dir)) {
      boolean lease = a.group().equals("coordination.k8s.io");
      boolean params = a.resource().equals("configmaps");
      if ((elects || !lease) && (admission || !params)) {
        accesses.add(a);
      }
    }
    List<PolicyRule> cluster = Manifests.one(objects, ClusterRole.class, "imds-prober").getRules();
    List<PolicyRule> home = new ArrayList<>();
    List<PolicyRule> perNamespace = new ArrayList<>();
    Set<String> bound = new TreeSet<>();
    for (HasMetadata o : objects) {
      if (o instanceof Role r) {
        assertThat(r.getMetadata().getNamespace()).isEqualTo(RbacTest.HOME);
        home.addAll(r.getRules());
      } else if (o instanceof ClusterRole r
          && r.getMetadata().getName().equals("imds-prober-probe")) {
        perNamespace.addAll(r.getRules());
      } else if (o instanceof RoleBinding b
          && b.getRoleRef().getName().equals("imds-prober-probe")) {
        assertThat(b.getSubjects())
            .singleElement()
            .satisfies(s -> assertThat(s.getNamespace()).isEqualTo(RbacTest.HOME));
        bound.add(b.getMetadata().getNamespace());
      }
    }
    RbacTest.assertGrantsEqualRequests(accesses, cluster, home, perNamespace, bound);
  }

  /**
   * The admission policy (rendered CEL, rendered parameter object) admits the probe Jobs the prober
   * builds from the rendered configuration, for every profile it may probe with, and the prober's
   * own start-up check finds the parameter object in step with its keys.
   */
  static void admission(List<HasMetadata> objects, String rendered, Path dir) throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("rendered.yaml"), rendered.replaceAll("(?m)^# Source: .*$", ""));
    AdmissionPolicy jobs = new AdmissionPolicy(file, "imds-prober-probe-jobs");
    ConfigMap cm = Manifests.one(objects, ConfigMap.class, "imds-prober-admission");
    Map<String, Object> params = Map.of("data", cm.getData());
    Config config = config(objects, dir);
    String image = config.get(Keys.PROBE_IMAGE);
    assertThat(PolicyParams.mismatch(PolicyParams.of(config, image), cm.getData(), "rendered"))
        .isEmpty();
    for (Profile profile : AgentSettings.possibleProfiles(config)) {
      Job job =
          new ProbeJobs(config, image, new Cluster(profile, "test", Set.of("node-1"), Set.of()))
              .job(
                  new Target("team-a", Expectations.DEFAULT, Map.of("tier", "web"), false, null),
                  "20261127-101010-abcd");
      assertThat(
              jobs.admit(
                  AdmissionPolicyTest.request("CREATE", "team-a", AdmissionPolicyTest.PROBER),
                  ApiServerView.job(AdmissionPolicyTest.map(job)),
                  null,
                  params))
          .as("the probe Job for profile %s", profile)
          .isEqualTo(AdmissionPolicyTest.ok());
    }
  }

  /** promtool check rules on the PrometheusRule's spec and on the plain rule file, if rendered. */
  @SuppressWarnings("unchecked")
  static void rules(List<HasMetadata> objects, Path dir) throws Exception {
    List<Path> files = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof GenericKubernetesResource r && r.getKind().equals("PrometheusRule")) {
        Object spec = r.getAdditionalProperties().get("spec");
        files.add(
            Files.writeString(
                dir.resolve("operator-rules.yaml"), Manifests.SERIALIZATION.asYaml(spec)));
      }
      if (o instanceof ConfigMap cm && cm.getMetadata().getName().equals("imds-prober-rules")) {
        files.add(
            Files.writeString(
                dir.resolve("plain-rules.yaml"), cm.getData().get("imds-prober-rules.yaml")));
      }
    }
    for (Path f : files) {
      Promtool.Run check = Promtool.run(dir, "check", "rules", f.getFileName().toString());
      assertThat(check.exit()).as(check.output()).isZero();
      assertThat(check.output()).contains("SUCCESS");
    }
  }

  /**
   * The dashboard ConfigMap holds grafana/imds-prober.json to the byte, so its names are those
   * DashboardTest finds in the metrics contract and in a real scrape.
   */
  static void dashboard(List<HasMetadata> objects) throws Exception {
    ConfigMap cm = Manifests.one(objects, ConfigMap.class, "imds-prober-dashboard");
    assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(cm.getData().get("imds-prober.json"))
        .isEqualTo(Files.readString(DashboardQueries.DASHBOARD));
    for (String query : DashboardQueries.all().values()) {
      assertThat(Contract.NAMES).containsAll(Contract.namesIn(query));
    }
  }
}
