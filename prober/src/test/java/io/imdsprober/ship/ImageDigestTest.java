package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
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

/**
 * Image provenance: a digest set on an overlay reaches the prober's container, the probe image it
 * passes on, the admission policy's parameter and the probe Job, and the policy admits that Job.
 */
class ImageDigestTest {
  static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  @Test
  @DisplayName("kustomize images: digest -> Deployment, IMDS_PROBER_PROBE_IMAGE, policy parameter")
  void digestThroughTheOverlay(@TempDir Path dir) throws Exception {
    Path mine = Files.createDirectories(dir.resolve("pinned"));
    Files.writeString(
        mine.resolve("kustomization.yaml"),
        """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - %s
        images:
          - name: ghcr.io/imds-prober/imds-prober
            newName: registry.example/security/imds-prober
            digest: %s
        """
            .formatted(
                mine.relativize(Manifests.MANIFESTS.resolve("overlays/deployment")), DIGEST));
    List<HasMetadata> objects = Manifests.objects(Manifests.kustomize(mine));
    String pinned = "registry.example/security/imds-prober@" + DIGEST;
    Container c =
        Manifests.one(objects, Deployment.class, "imds-prober")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(c.getImage()).isEqualTo(pinned);
    assertThat(c.getEnv())
        .filteredOn(e -> e.getName().equals("IMDS_PROBER_PROBE_IMAGE"))
        .singleElement()
        .satisfies(e -> assertThat(e.getValue()).isEqualTo(pinned));
    ConfigMap params = Manifests.one(objects, ConfigMap.class, "imds-prober-admission");
    assertThat(params.getData()).containsEntry("image", pinned);

    // the prober takes it, the Job carries it, and the policy admits that Job
    Config config =
        Config.load(Keys.ALL, null, Map.of("IMDS_PROBER_PROBE_IMAGE", pinned), Map.of());
    Job job =
        new ProbeJobs(
                config,
                config.get(Keys.PROBE_IMAGE),
                new Cluster(Profile.AWS, "test", Set.of("n"), Set.of()))
            .job(new Target("team", Expectations.DEFAULT, Map.of(), false, null), "s1");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(pinned);
    AdmissionPolicy policy =
        new AdmissionPolicy(
            AdmissionPolicyTest.DIR.resolve("probe-jobs.yaml"), "imds-prober-probe-jobs");
    assertThat(
            policy.admit(
                AdmissionPolicyTest.request("CREATE", "team", AdmissionPolicyTest.PROBER),
                AdmissionPolicyTest.map(job),
                null,
                Map.of("data", params.getData())))
        .isEqualTo(new AdmissionPolicy.Decision(true, ""));
  }

  @Test
  @DisplayName("probe.image: tags and digests pass, anything else is named as invalid")
  void imageReferences() {
    for (String ok :
        List.of(
            "imds-prober",
            "ghcr.io/imds-prober/imds-prober:0.1.0",
            "registry.example:5000/a/b_c.d-e:v1.2",
            "registry.example/imds-prober@" + DIGEST,
            "registry.example/imds-prober:0.1.0@" + DIGEST)) {
      assertThat(
              Config.load(Keys.ALL, null, Map.of(), Map.of("probe.image", ok))
                  .get(Keys.PROBE_IMAGE))
          .isEqualTo(ok);
    }
    for (String bad :
        List.of("Registry/UPPER:1", "x@sha256:short", "a b", "x:tag;rm -rf /", "x@md5:" + DIGEST)) {
      assertThatThrownBy(() -> Config.load(Keys.ALL, null, Map.of(), Map.of("probe.image", bad)))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("probe.image")
          .hasMessageContaining("not an image reference");
    }
  }
}
