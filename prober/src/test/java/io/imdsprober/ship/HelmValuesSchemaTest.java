package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imdsprober.config.Config;
import io.imdsprober.config.Key;
import io.imdsprober.config.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * values.schema.json: the config: section has exactly the keys of README "Configuration", every key
 * at its default renders a configuration the prober loads, and an unknown key or a bad value is
 * refused with a message that names it, before anything renders.
 */
class HelmValuesSchemaTest {
  static final Path SCHEMA = HelmChart.CHART.resolve("values.schema.json");

  @SuppressWarnings("unchecked")
  static void leaves(String prefix, Map<String, Object> node, List<String> out) {
    Map<String, Object> props = (Map<String, Object>) node.get("properties");
    for (Map.Entry<String, Object> e : props.entrySet()) {
      Map<String, Object> child = (Map<String, Object>) e.getValue();
      String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if ("object".equals(child.get("type")) && child.containsKey("properties")) {
        assertThat(child.get("additionalProperties")).as(name).isEqualTo(false);
        leaves(name, child, out);
      } else {
        out.add(name);
      }
    }
  }

  @Test
  @DisplayName(
      "config: in the schema is every key of README \"Configuration\" (Keys.ALL), nested by its"
          + " dots, with additionalProperties false on every object of the schema")
  @SuppressWarnings("unchecked")
  void everyKey() throws Exception {
    Map<String, Object> schema = new JsonMapper().readValue(SCHEMA.toFile(), Map.class);
    assertThat(schema.get("additionalProperties")).isEqualTo(false);
    Map<String, Object> config =
        (Map<String, Object>) ((Map<String, Object>) schema.get("properties")).get("config");
    List<String> keys = new ArrayList<>();
    leaves("", config, keys);
    assertThat(new TreeSet<>(keys))
        .containsExactlyElementsOf(new TreeSet<>(Keys.ALL.stream().map(Key::name).toList()));
    assertThat(Files.readString(SCHEMA))
        .as("every object closed")
        .doesNotContain("\"additionalProperties\": true");
  }

  @Test
  @DisplayName("every key set to its default renders a config.yaml the prober loads unchanged")
  void everyKeyAtItsDefault(@TempDir Path dir) throws Exception {
    StringBuilder values = new StringBuilder("config:\n");
    String section = "";
    for (Key<?> k : Keys.ALL.stream().sorted((a, b) -> a.name().compareTo(b.name())).toList()) {
      String[] parts = k.name().split("\\.");
      if (!parts[0].equals(section)) {
        section = parts[0];
        values.append("  ").append(section).append(":\n");
      }
      values
          .append("    ")
          .append(parts[1])
          .append(": ")
          .append(new JsonMapper().writeValueAsString(k.defaultValue()))
          .append('\n');
    }
    var objects = HelmChart.objects(HelmChart.template(values.toString()));
    Config loaded = HelmRenderChecks.config(objects, dir);
    Config defaults = Config.load(Keys.ALL, null, Map.of(), Map.of());
    for (Key<?> k : Keys.ALL) {
      if (k != Keys.PROBE_IMAGE) {
        assertThat((Object) loaded.get(k)).as(k.name()).isEqualTo(defaults.get(k));
      }
    }
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("mode: pod\n", "mode"),
        Arguments.of("replicas: 3\n", "replicas"),
        Arguments.of("config: {probe: {deadlin: 60s}}\n", "deadlin"),
        Arguments.of("config: {probe: {deadline: 60}}\n", "config.probe.deadline"),
        Arguments.of("config: {probe: {deadline: 1 minute}}\n", "config.probe.deadline"),
        Arguments.of("config: {probe: {maxInFlight: 0}}\n", "config.probe.maxInFlight"),
        Arguments.of("config: {probe: {cpuLimit: lots}}\n", "config.probe.cpuLimit"),
        Arguments.of("config: {probe: {tolerations: [{key: a, operator: Maybe}]}}\n", "operator"),
        Arguments.of("config: {metadata: {profile: aws2}}\n", "config.metadata.profile"),
        Arguments.of(
            "config: {metadata: {targets: [169.254.169.254]}}\n", "config.metadata.targets"),
        Arguments.of(
            "config: {namespaces: {exclude: [Kube_System]}}\n", "config.namespaces.exclude"),
        Arguments.of("config: {egress: {urls: [example.com]}}\n", "config.egress.urls"),
        Arguments.of("config: {serve: {metricsPort: 70000}}\n", "config.serve.metricsPort"),
        Arguments.of("config: {expect: {egress: maybe}}\n", "config.expect.egress"),
        Arguments.of("image: {digest: sha256:abc}\n", "image.digest"),
        Arguments.of("image: {repository: \"Not An Image\"}\n", "image.repository"),
        Arguments.of("cronjob: {schedule: every ten minutes}\n", "cronjob.schedule"),
        Arguments.of("deployment: {resources: {limits: {gpu: 1}}}\n", "gpu"),
        Arguments.of("openReports: {enabled: \"yes\"}\n", "openReports.enabled"),
        Arguments.of("namespacedRbac: {enabled: true, namespaces: [Team_A]}\n", "namespacedRbac"),
        Arguments.of(
            "metricsIngress: {from: [{namespaceSelector: {matchLabel: {}}}]}\n", "matchLabel"),
        Arguments.of(
            "config: {reports: {enabled: true}}\n", "config.reports.enabled needs openReports"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badValues")
  @DisplayName("a bad value or an unknown key is refused with a message naming it; nothing renders")
  void badValuesRefused(String values, String named) {
    assertThatThrownBy(() -> HelmChart.template(values)).as(values).hasMessageContaining(named);
  }
}
