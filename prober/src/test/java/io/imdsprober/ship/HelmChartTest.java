package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart renders what the kustomize tree renders for the same settings, object by object
 * (Helm's own labels and the config ConfigMap's content hash aside): its defaults are
 * overlays/deployment, and each value has the overlay of one's own that the README gives for it.
 */
class HelmChartTest {
  static final Path SYNC = Manifests.MANIFESTS.resolve("helm/sync-files.sh");
  static final Path FILES = HelmChart.CHART.resolve("files");
  static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  /** The sources sync-files.sh copies into the chart, relative to the repository root. */
  static List<String> synced() throws Exception {
    List<String> out = new ArrayList<>();
    Matcher m =
        Pattern.compile("(?m)^\\s+((?:grafana|manifests)/[^\\s;]+)")
            .matcher(Files.readString(SYNC));
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** Both renders, object by object: the same objects, each the same. */
  static void assertSameObjects(String helm, String kustomize) {
    Map<String, Map<String, Object>> h = HelmChart.comparable(helm);
    Map<String, Map<String, Object>> k = HelmChart.comparable(kustomize);
    assertThat(h.keySet()).as("the objects").containsExactlyElementsOf(k.keySet());
    k.forEach((key, object) -> assertThat(h.get(key)).as(key).isEqualTo(object));
  }

  @Test
  @DisplayName("helm lint --strict passes on the chart with its own values")
  void lint() {
    LintResult lint = HelmChart.lint();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @Test
  @DisplayName(
      "every file the chart carries is its kustomize source to the byte (sync-files.sh copies"
          + " them), and every source it names that exists is carried")
  void copiesAreTheSources() throws Exception {
    List<String> synced = synced();
    assertThat(synced).contains("grafana/imds-prober.json");
    for (String f : synced) {
      Path source = Manifests.ROOT.resolve(f);
      Path copy = FILES.resolve(f);
      if (Files.exists(source)) {
        assertThat(copy).as("%s is not in the chart: run sh %s", f, SYNC).exists();
        assertThat(Files.mismatch(source, copy))
            .as("the chart's copy of %s differs from it: run sh %s", f, SYNC)
            .isEqualTo(-1L);
      } else {
        assertThat(copy).as("%s is gone from the tree: run sh %s", f, SYNC).doesNotExist();
      }
    }
    try (Stream<Path> all = Files.walk(FILES)) {
      assertThat(all.filter(Files::isRegularFile).map(p -> FILES.relativize(p).toString()))
          .as("files the script does not copy")
          .allMatch(synced::contains);
    }
  }

  @Test
  @DisplayName("the default values render the objects of overlays/deployment, each the same")
  void defaultsAreTheDeploymentOverlay() throws Exception {
    assertSameObjects(HelmChart.template(""), Manifests.kustomize("deployment"));
  }

  @Test
  @DisplayName("mode: cronjob renders the objects of overlays/cronjob, each the same")
  void cronjobIsTheCronjobOverlay() throws Exception {
    assertSameObjects(HelmChart.template("mode: cronjob\n"), Manifests.kustomize("cronjob"));
  }

  @Test
  @DisplayName(
      "openReports.enabled is the openreports component on either overlay: its RBAC and"
          + " reports.enabled on the Deployment or the CronJob")
  void openReports(@TempDir Path dir) throws Exception {
    for (String mode : List.of("deployment", "cronjob")) {
      Path mine = dir.resolve(mode);
      Manifests.userOverlay(
          mine,
          "overlays/" + mode,
          "components:\n  - " + Manifests.relative(mine, "components/openreports") + "\n");
      assertSameObjects(
          HelmChart.template("mode: " + mode + "\nopenReports: {enabled: true}\n"),
          Manifests.kustomize(mine));
    }
  }

  @Test
  @DisplayName(
      "image.repository and image.digest are `images:` with newName and digest: the prober, its"
          + " probe pods and the admission policy's parameter move together")
  void digest(@TempDir Path dir) throws Exception {
    for (String mode : List.of("deployment", "cronjob")) {
      Path mine =
          Manifests.userOverlay(
              dir.resolve(mode),
              "overlays/" + mode,
              "images:\n  - name: ghcr.io/imds-prober/imds-prober\n"
                  + "    newName: registry.example/team/imds-prober\n"
                  + "    digest: "
                  + DIGEST
                  + "\n");
      String helm =
          HelmChart.template(
              "mode: "
                  + mode
                  + "\nimage: {repository: registry.example/team/imds-prober, digest: "
                  + DIGEST
                  + "}\n");
      assertThat(helm).contains("registry.example/team/imds-prober@" + DIGEST);
      assertSameObjects(helm, Manifests.kustomize(mine));
    }
  }

  @Test
  @DisplayName(
      "metricsIngress.from is the README's patch of the metrics ingress (ManifestLayoutTest"
          + " .metricsIngress): Prometheus in another namespace")
  void metricsIngress(@TempDir Path dir) throws Exception {
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
    assertSameObjects(
        HelmChart.template(
            "metricsIngress:\n  from:\n    - namespaceSelector:\n        matchLabels:\n"
                + "          kubernetes.io/metadata.name: observability\n"),
        Manifests.kustomize(mine));
  }

  @Test
  @DisplayName(
      "prometheusOperator off and plainPrometheus on is the README's plain-Prometheus overlay:"
          + " no PrometheusRule or ServiceMonitor, the rules as the ConfigMap imds-prober-rules")
  void plainPrometheus(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("manifests");
    ManifestLayoutTest.copy(Manifests.MANIFESTS, copy);
    ManifestLayoutTest.copy(Manifests.ROOT.resolve("grafana"), dir.resolve("grafana"));
    Path plain = copy.resolve("overlays/plain");
    ManifestLayoutTest.copy(copy.resolve("overlays/deployment"), plain);
    Path k = plain.resolve("kustomization.yaml");
    Files.writeString(
        k,
        Files.readString(k)
            .replace("  - ../../components/prometheus-operator\n", "")
            .replace("  - ../../base\n", "  - ../../base\n  - ../../plain-prometheus\n"));
    assertSameObjects(
        HelmChart.template(
            "prometheusOperator: {enabled: false}\nplainPrometheus: {enabled: true}\n"),
        Manifests.kustomize(plain));
  }

  @Test
  @DisplayName(
      "admissionPolicy off is an overlay without the admission-policy component (clusters older"
          + " than 1.30)")
  void withoutAdmissionPolicy(@TempDir Path dir) throws Exception {
    Path copy = dir.resolve("manifests");
    ManifestLayoutTest.copy(Manifests.MANIFESTS, copy);
    ManifestLayoutTest.copy(Manifests.ROOT.resolve("grafana"), dir.resolve("grafana"));
    Path k = copy.resolve("overlays/deployment/kustomization.yaml");
    Files.writeString(
        k, Files.readString(k).replace("  - ../../components/admission-policy\n", ""));
    assertSameObjects(
        HelmChart.template("admissionPolicy: {enabled: false}\n"),
        Manifests.kustomize(copy.resolve("overlays/deployment")));
  }

  @Test
  @DisplayName("policyKinds.enabled renders the same objects as the policy-kinds component")
  void policyKinds(@TempDir Path dir) throws Exception {
    Path mine = dir.resolve("mine");
    Manifests.userOverlay(
        mine,
        "overlays/deployment",
        "components:\n  - " + Manifests.relative(mine, "components/policy-kinds") + "\n");
    assertSameObjects(
        HelmChart.template("policyKinds: {enabled: true}\n"), Manifests.kustomize(mine));
  }
}
