package io.imdsprober.ship;

import static io.imdsprober.ship.Manifests.objects;
import static io.imdsprober.ship.Manifests.one;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.metrics.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Manifests an admin applies as they are: manifests/ copied alone builds; the prometheus-operator
 * objects can be left out for plain Prometheus as the README says; config.yaml is changed from an
 * overlay of one's own, as the README says.
 */
class ManifestLayoutTest {
  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }

  @Test
  @DisplayName(
      "manifests/ and grafana/ copied side by side (the layout of DESIGN.md) build both overlays,"
          + " dashboard included; grafana/ builds alone, with its provisioning file beside it")
  void manifestsAlone(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("manifests");
    copy(Manifests.MANIFESTS, copy);
    copy(Manifests.ROOT.resolve("grafana"), dir.resolve("grafana"));
    assertThat(Manifests.kustomize(dir.resolve("grafana")))
        .contains("name: imds-prober-dashboard")
        .contains("grafana_dashboard: \"1\"");
    java.util.Map<?, ?> provisioning =
        new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
            .unmarshal(
                Files.readString(dir.resolve("grafana/provisioning/imds-prober.yaml")),
                java.util.Map.class);
    assertThat(((java.util.Map<?, ?>) ((List<?>) provisioning.get("providers")).get(0)).get("type"))
        .isEqualTo("file");
    for (String overlay : List.of("deployment", "cronjob")) {
      String alone = Manifests.kustomize(copy.resolve("overlays").resolve(overlay));
      assertThat(alone).as(overlay).isEqualTo(Manifests.kustomize(overlay));
      assertThat(alone).contains("imds-prober-dashboard");
    }
  }

  @Test
  @DisplayName(
      "plain Prometheus: the overlay without the prometheus-operator component, with the rules"
          + " as a ConfigMap file promtool accepts")
  void plainPrometheus(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("manifests");
    copy(Manifests.MANIFESTS, copy);
    copy(Manifests.ROOT.resolve("grafana"), dir.resolve("grafana"));
    // as the README says: copy overlays/deployment, drop the component, add plain-prometheus
    Path plain = copy.resolve("overlays/plain");
    copy(copy.resolve("overlays/deployment"), plain);
    Path k = plain.resolve("kustomization.yaml");
    String text = Files.readString(k);
    assertThat(text).contains("  - ../../components/prometheus-operator\n");
    Files.writeString(
        k,
        text.replace("  - ../../components/prometheus-operator\n", "")
            .replace("  - ../../base\n", "  - ../../base\n  - ../../plain-prometheus\n"));
    List<HasMetadata> objects = objects(Manifests.kustomize(plain));
    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .doesNotContain("PrometheusRule", "ServiceMonitor")
        .contains("Deployment");
    ConfigMap rules = one(objects, ConfigMap.class, "imds-prober-rules");
    Path file =
        Files.writeString(dir.resolve("rules.yaml"), rules.getData().get("imds-prober-rules.yaml"));
    Promtool.Run check = Promtool.run(dir, "check", "rules", file.toString());
    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(check.output())
        .contains(
            "SUCCESS: "
                + (AlertRulesTest.ALERTS.size() + AlertRulesTest.RECORDS.size())
                + " rules found");
  }

  @Test
  @DisplayName("config.yaml changed from an overlay of one's own: the Deployment mounts that one")
  void configFromAnOverlay(@TempDir Path dir) throws Exception {
    Path mine = Files.createDirectories(dir.resolve("my-prober"));
    Files.writeString(
        mine.resolve("config.yaml"),
        """
        namespaces:
          exclude: [imds-prober, kube-system, kube-public, kube-node-lease, legacy-*]
        serve:
          interval: 5m
        leaderElection:
          namespace: imds-prober
        """);
    Manifests.userOverlay(
        mine,
        "overlays/deployment",
        """
        configMapGenerator:
          - name: imds-prober-config
            namespace: imds-prober
            behavior: replace
            files:
              - config.yaml
        """);
    List<HasMetadata> objects = objects(Manifests.kustomize(mine));
    ConfigMap cm = one(objects, ConfigMap.class, "imds-prober-config");
    assertThat(cm.getData().get("config.yaml")).contains("interval: 5m").contains("legacy-*");
    Deployment d = one(objects, Deployment.class, "imds-prober");
    assertThat(d.getSpec().getTemplate().getSpec().getVolumes())
        .anySatisfy(
            v -> assertThat(v.getConfigMap().getName()).isEqualTo(cm.getMetadata().getName()));
    Path file = Files.writeString(dir.resolve("config.yaml"), cm.getData().get("config.yaml"));
    Config config = Config.load(Keys.ALL, file, Map.of(), Map.of());
    assertThat(config.get(Keys.SERVE_INTERVAL)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  @DisplayName("LICENSE is the license the image's label names")
  void license() throws Exception {
    String dockerfile = Files.readString(Manifests.ROOT.resolve("Dockerfile"));
    assertThat(dockerfile).contains("org.opencontainers.image.licenses=\"Apache-2.0\"");
    assertThat(Files.readString(Manifests.ROOT.resolve("LICENSE")))
        .contains("Apache License")
        .contains("Version 2.0, January 2004");
  }

  @Test
  @DisplayName(
      "the openreports component: its RBAC, and reports.enabled on the Deployment or the CronJob")
  void openreportsComponent(@TempDir Path dir) throws Exception {
    for (String overlay : List.of("deployment", "cronjob")) {
      Path mine = dir.resolve(overlay);
      Manifests.userOverlay(
          mine,
          "overlays/" + overlay,
          "components:\n  - " + Manifests.relative(mine, "components/openreports") + "\n");
      String yaml = Manifests.kustomize(mine);
      assertThat(yaml)
          .as(overlay)
          .contains("name: imds-prober-openreports")
          .contains("IMDS_PROBER_REPORTS_ENABLED");
      List<HasMetadata> objects = objects(yaml);
      assertThat(objects)
          .filteredOn(o -> o.getKind().equals("ClusterRole"))
          .extracting(o -> o.getMetadata().getName())
          .contains("imds-prober", "imds-prober-openreports");
    }
  }

  @Test
  @DisplayName(
      "the metrics port admits only the monitoring namespace, and an overlay names another one")
  void metricsIngress(@TempDir Path dir) throws Exception {
    var np =
        one(
            objects(Manifests.kustomize("deployment")),
            io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class,
            "imds-prober");
    assertThat(np.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule ->
                assertThat(rule.getFrom())
                    .singleElement()
                    .satisfies(
                        peer ->
                            assertThat(peer.getNamespaceSelector().getMatchLabels())
                                .containsExactly(
                                    Map.entry("kubernetes.io/metadata.name", "monitoring"))));
    Path mine =
        Manifests.userOverlay(
            dir.resolve("mine"),
            "overlays/deployment",
            """
        patches:
          - target: {kind: NetworkPolicy, name: imds-prober}
            patch: |-
              - op: replace
                path: /spec/ingress/0/from/0/namespaceSelector/matchLabels
                value: {kubernetes.io/metadata.name: observability}
        """);
    var mineNp =
        one(
            objects(Manifests.kustomize(mine)),
            io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class,
            "imds-prober");
    assertThat(
            mineNp
                .getSpec()
                .getIngress()
                .get(0)
                .getFrom()
                .get(0)
                .getNamespaceSelector()
                .getMatchLabels())
        .containsEntry("kubernetes.io/metadata.name", "observability");
  }
}
