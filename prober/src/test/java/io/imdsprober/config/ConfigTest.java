package io.imdsprober.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imdsprober.facts.Profile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {
  @TempDir Path dir;

  static Config set(String key, String value) {
    return Config.load(Keys.ALL, null, Map.of(), Map.of(key, value));
  }

  @Test
  @DisplayName("every key's default is a valid value")
  void defaults() {
    Config c = Config.defaults();
    assertThat(c.get(Keys.PROBE_MAX_IN_FLIGHT)).isEqualTo(20);
    assertThat(c.get(Keys.PROBE_DEADLINE)).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.get(Keys.NAMESPACE_EXCLUDE))
        .containsExactly("kube-system", "kube-public", "kube-node-lease");
    assertThat(c.get(Keys.METADATA_PROFILE)).isEmpty();
    assertThat(c.source(Keys.PROBE_DEADLINE)).isEqualTo("default");
  }

  @Test
  @DisplayName("the YAML file nests keys; the environment beats the file; --set beats both")
  void layers() throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(
        file,
        """
        namespaces:
          selector: env=prod
        probe:
          maxInFlight: 5
          deadline: 30s
          nodeSelector: {kubernetes.io/os: linux, pool: probes}
          tolerations:
          - {key: dedicated, operator: Equal, value: probes, effect: NoSchedule}
        metadata.profile: gcp
        """);
    Config c =
        Config.load(
            Keys.ALL,
            file,
            Map.of("IMDS_PROBER_PROBE_MAX_IN_FLIGHT", "7", "IMDS_PROBER_PROBE_DEADLINE", "40s"),
            Map.of("probe.deadline", "50s"));
    assertThat(c.get(Keys.NAMESPACE_SELECTOR)).isEqualTo("env=prod");
    assertThat(c.get(Keys.PROBE_MAX_IN_FLIGHT)).isEqualTo(7);
    assertThat(c.source(Keys.PROBE_MAX_IN_FLIGHT))
        .isEqualTo("environment variable IMDS_PROBER_PROBE_MAX_IN_FLIGHT");
    assertThat(c.get(Keys.PROBE_DEADLINE)).isEqualTo(Duration.ofSeconds(50));
    assertThat(c.get(Keys.PROBE_NODE_SELECTOR))
        .containsExactlyInAnyOrderEntriesOf(Map.of("kubernetes.io/os", "linux", "pool", "probes"));
    assertThat(c.get(Keys.PROBE_TOLERATIONS))
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getKey()).isEqualTo("dedicated");
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
    assertThat(c.get(Keys.METADATA_PROFILE)).isEqualTo(Optional.of(Profile.GCP));
  }

  @Test
  @DisplayName("structured values from the environment: a,b and k=v, or a YAML flow")
  void shortForms() {
    assertThat(set("namespaces.include", "team-*, shop").get(Keys.NAMESPACE_INCLUDE))
        .containsExactly("team-*", "shop");
    assertThat(set("probe.labels", "a=1,b=2").get(Keys.PROBE_LABELS))
        .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
    assertThat(set("probe.tolerations", "[{key: x, operator: Exists}]").get(Keys.PROBE_TOLERATIONS))
        .hasSize(1);
    assertThat(set("namespaces.exclude", "").get(Keys.NAMESPACE_EXCLUDE)).isEmpty();
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "probe.deadline|-1s",
        "probe.deadline|3s",
        "probe.deadline|1 minute",
        "probe.maxInFlight|0",
        "probe.maxInFlight|many",
        "metadata.profile|ibm",
        "metadata.targets|metadata.google.internal:80",
        "namespaces.selector|env in prod",
        "namespaces.include|Team_A",
        "probe.tolerations|[{key: a, bogus: 1}]",
        "probe.cpuLimit|lots",
        "probe.imagePullPolicy|Sometimes",
        "probe.labels|app=no spaces",
        "egress.urls|ftp://example.com/",
        "expect.egress|maybe",
        "metadata.gkeMetadataServerAllowed|yes"
      })
  @DisplayName("a bad value stops start-up with an error naming the key and the value")
  void badValues(String key, String value) {
    assertThatThrownBy(() -> set(key, value))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key + ": invalid value '" + value + "'");
  }

  @Test
  @DisplayName("unknown keys are errors, in the file and on the command line")
  void unknownKeys() throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "probe:\n  maxInflight: 3\n");
    assertThatThrownBy(() -> Config.load(Keys.ALL, file, Map.of(), Map.of()))
        .hasMessageContaining("probe.maxInflight: unknown key")
        .hasMessageContaining(file.toString());
    assertThatThrownBy(() -> set("probe.image.tag", "x"))
        .hasMessageContaining("--set probe.image.tag: unknown key");
    Files.writeString(file, "- a\n- b\n");
    assertThatThrownBy(() -> Config.load(Keys.ALL, file, Map.of(), Map.of()))
        .hasMessageContaining("the top level must be a map");
  }

  @Test
  @DisplayName("each key has its environment variable")
  void envNames() {
    assertThat(Keys.PROBE_MAX_IN_FLIGHT.envName()).isEqualTo("IMDS_PROBER_PROBE_MAX_IN_FLIGHT");
    assertThat(Keys.NAMESPACE_SELECTOR.envName()).isEqualTo("IMDS_PROBER_NAMESPACES_SELECTOR");
    assertThat(Keys.ALL.stream().map(Key::envName).distinct()).hasSize(Keys.ALL.size());
    assertThat(Keys.ALL.stream().map(Key::name).toList()).doesNotHaveDuplicates();
    assertThat(List.copyOf(Keys.ALL)).allSatisfy(k -> assertThat(k.description()).isNotBlank());
  }
}
