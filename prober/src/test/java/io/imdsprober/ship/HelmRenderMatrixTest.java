package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every render of the chart's matrix (mode x components x image by tag or by digest, and the
 * configurations that move the admission policy's parameter object) passes the checks the kustomize
 * output passes (HelmRenderChecks).
 */
class HelmRenderMatrixTest {
  /** Components off, as shipped, all on (namespaced RBAC bound where the RBAC recording probes). */
  enum Components {
    NONE(
        "admissionPolicy: {enabled: false}\nprometheusOperator: {enabled: false}\n"
            + "dashboard: {enabled: false}\n"),
    DEFAULT(""),
    ALL(
        "openReports: {enabled: true}\nplainPrometheus: {enabled: true}\n"
            + "namespacedRbac: {enabled: true, namespaces: [logs, open, refused, retried, safe,"
            + " stuck]}\n");

    final String values;

    Components(String values) {
      this.values = values;
    }
  }

  static Stream<Arguments> matrix() {
    List<Arguments> out = new ArrayList<>();
    for (String mode : List.of("deployment", "cronjob")) {
      for (Components c : Components.values()) {
        for (boolean digest : List.of(false, true)) {
          out.add(Arguments.of(mode, c, digest));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}, components {1}, by digest {2}")
  @MethodSource("matrix")
  @DisplayName("each render of the matrix passes the kustomize output's checks")
  void matrixPassesTheChecks(String mode, Components components, boolean digest, @TempDir Path dir)
      throws Exception {
    String values =
        "mode: "
            + mode
            + "\n"
            + components.values
            + (digest ? "image: {digest: " + HelmChartTest.DIGEST + "}\n" : "");
    String rendered = HelmChart.template(values);
    List<HasMetadata> objects = HelmChart.objects(rendered);
    HelmRenderChecks.podSecurity(objects);
    Config config = HelmRenderChecks.config(objects, dir);
    String image =
        "ghcr.io/imds-prober/imds-prober" + (digest ? "@" + HelmChartTest.DIGEST : ":0.1.0");
    assertThat(config.get(Keys.PROBE_IMAGE)).isEqualTo(image);
    assertThat(HelmRenderChecks.proberPod(objects).getContainers().get(0).getImage())
        .isEqualTo(image);
    boolean admission = components != Components.NONE;
    HelmRenderChecks.rbac(objects, dir, mode.equals("deployment"), admission);
    if (admission) {
      HelmRenderChecks.admission(objects, rendered, dir);
    } else {
      assertThat(objects)
          .extracting(HasMetadata::getKind)
          .doesNotContain("ValidatingAdmissionPolicy");
    }
    HelmRenderChecks.rules(objects, dir);
    Set<String> kinds = new TreeSet<>(objects.stream().map(HasMetadata::getKind).toList());
    if (components == Components.NONE) {
      assertThat(kinds).doesNotContain("PrometheusRule", "ServiceMonitor");
    } else {
      HelmRenderChecks.dashboard(objects);
      assertThat(kinds).contains("PrometheusRule");
      assertThat(kinds.contains("ServiceMonitor")).isEqualTo(mode.equals("deployment"));
    }
    if (components == Components.ALL) {
      assertThat(config.get(Keys.REPORTS_ENABLED)).isTrue();
      assertThat(config.get(Keys.NAMESPACE_INCLUDE))
          .containsExactly("logs", "open", "refused", "retried", "safe", "stuck");
    }
  }

  static Stream<Arguments> configurations() {
    return Stream.of(
        Arguments.of(
            "probe scheduling: tolerations, node selector, priority class, annotations, labels",
            "config:\n  probe:\n    tolerations:\n"
                + "      - {key: dedicated, operator: Equal, value: probes, effect: NoSchedule}\n"
                + "      - {operator: Exists, effect: NoExecute, tolerationSeconds: 300}\n"
                + "    nodeSelector: {kubernetes.io/os: linux, pool: probes}\n"
                + "    priorityClassName: low\n"
                + "    annotations: {sidecar.istio.io/inject: \"false\"}\n"
                + "    labels: {team: platform}\n"),
        Arguments.of(
            "probe resources, pull policy and secrets, user, command",
            "config:\n  probe:\n    cpuRequest: 100m\n    cpuLimit: \"1\"\n"
                + "    memoryRequest: 128Mi\n    memoryLimit: 256Mi\n    imagePullPolicy: Always\n"
                + "    imagePullSecrets: [regcred, mirror]\n    runAsUser: 10001\n"
                + "    command: [java, -jar, /opt/imds-prober/imds-prober.jar]\n"),
        Arguments.of(
            "agent settings written as the prober writes them back (60s is 1m, 1500ms stays)",
            "config:\n  probe: {connectTimeout: 1500ms, settle: 60s, retries: 0}\n"
                + "  dns: {names: [kubernetes.default.svc.cluster.local, example.org]}\n"
                + "  egress: {urls: [\"https://example.com/\", \"http://example.net/\"]}\n"),
        Arguments.of(
            "one profile, its own targets, another allowed endpoint",
            "config:\n  metadata:\n    profile: azure\n"
                + "    targets: [\"169.254.169.254:80\", \"tcp=168.63.129.16:32526\"]\n"
                + "    allowed: [\"169.254.170.23:80\", \"169.254.169.254:80\"]\n"),
        Arguments.of(
            "a probe image of its own, excluded namespaces, job controllers",
            "config:\n  probe: {image: \"registry.example/probe:2.0\"}\n"
                + "  namespaces: {exclude: [imds-prober, kube-*]}\n"
                + "admissionPolicy:\n  enabled: true\n"
                + "  jobControllers: [system:serviceaccount:kube-system:job-controller]\n"),
        Arguments.of(
            "cronjob mode with an image by digest and every key above",
            "mode: cronjob\nimage: {digest: "
                + HelmChartTest.DIGEST
                + "}\nconfig:\n  probe: {settle: 500ms, cpuLimit: 750m}\n"
                + "  metadata: {profile: gcp, allowed: []}\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configurations")
  @DisplayName(
      "the parameter object follows config: the prober finds it in step and the policy admits"
          + " its probe Jobs")
  void parameterObjectFollowsConfig(String name, String values, @TempDir Path dir)
      throws Exception {
    String rendered = HelmChart.template(values);
    List<HasMetadata> objects = HelmChart.objects(rendered);
    HelmRenderChecks.admission(objects, rendered, dir);
    HelmRenderChecks.podSecurity(objects);
  }
}
