package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.Profile;
import io.imdsprober.verdict.Expectations;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The start-up check's comparison: a parameter object that states a field as the policy reads it
 * (lines in any order, comma lists as sets) passes; one that states it differently names the key,
 * both values and the ConfigMap; a field it does not state is not checked.
 */
class PolicyParamsTest {
  static final String IMAGE = "registry.example/imds-prober:1.0.0";

  static Map<String, String> data(Config config) {
    Map<String, String> data = new HashMap<>();
    PolicyParams.of(config, IMAGE).forEach(p -> data.put(p.field(), p.value()));
    return data;
  }

  @Test
  @DisplayName("what the configuration derives is admitted, in any line order and spacing")
  void derivedAdmitted() {
    Config config =
        Config.load(
            Keys.ALL,
            null,
            Map.of(),
            Map.of(
                "probe.tolerations",
                "[{key: a, operator: Exists}, {key: b, operator: Equal, value: v, effect:"
                    + " NoExecute, tolerationSeconds: 30}]",
                "probe.imagePullSecrets",
                "one,two"));
    List<PolicyParams.Param> params = PolicyParams.of(config, IMAGE);
    Map<String, String> data = data(config);
    assertThat(data.get("tolerations")).isEqualTo("a,Exists,,,\nb,Equal,v,NoExecute,30");
    assertThat(PolicyParams.mismatch(params, data, "ns/cm")).isEmpty();
    data.put("tolerations", "  b,Equal,v,NoExecute,30\n\na,Exists,,,\n");
    data.put("annotations", "linkerd.io/inject=disabled\nsidecar.istio.io/inject=false\n");
    data.put("imagePullSecrets", "two, one");
    assertThat(PolicyParams.mismatch(params, data, "ns/cm")).isEmpty();
    Map<String, String> older = new HashMap<>(Map.of("image", IMAGE));
    assertThat(PolicyParams.mismatch(params, older, "ns/cm"))
        .as("a parameter object from before these fields: its policy does not read them")
        .isEmpty();
  }

  @Test
  @DisplayName("each field stated differently names its key, both values and the ConfigMap")
  void eachFieldNamed() {
    Config defaults = Config.load(Keys.ALL, null, Map.of(), Map.of());
    List<PolicyParams.Param> params = PolicyParams.of(defaults, IMAGE);
    assertThat(params).hasSize(19);
    for (PolicyParams.Param p : params) {
      Map<String, String> data = data(defaults);
      data.put(p.field(), p.value() + "x");
      assertThat(PolicyParams.mismatch(params, data, "imds-prober/imds-prober-admission"))
          .as(p.field())
          .hasValueSatisfying(
              m ->
                  assertThat(m)
                      .startsWith(p.key() + " '")
                      .contains("is not the " + p.field() + " the admission policy allows")
                      .contains("(ConfigMap imds-prober/imds-prober-admission)"));
    }
  }

  /** The value ProbeJobs writes for {@code variable} in a Job of {@code profile}. */
  static String written(Config config, Profile profile, String variable) {
    Job job =
        new ProbeJobs(config, IMAGE, new Cluster(profile, "test", Set.of(), Set.of()))
            .job(new Target("team-a", Expectations.DEFAULT, Map.of(), false, null), "s1");
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(variable))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow();
  }

  static Map<String, String> fields(Config config) {
    Map<String, String> out = new HashMap<>();
    PolicyParams.of(config, IMAGE).forEach(p -> out.put(p.field(), p.value()));
    return out;
  }

  @Test
  @DisplayName(
      "the timeouts and retries are the strings the Job carries; metadataTargets has one line per"
          + " profile the prober may use, each what the Job of that profile carries")
  void agentSettingsAreWhatTheJobCarries() {
    for (Map<String, String> keys :
        List.of(
            Map.<String, String>of(),
            Map.of(
                "probe.connectTimeout", "1500ms",
                "probe.settle", "0s",
                "probe.retries", "7",
                "metadata.targets", "10.200.0.1:80",
                "metadata.allowed", "169.254.170.2:80"))) {
      Config config = Config.load(Keys.ALL, null, Map.of(), keys);
      Map<String, String> data = fields(config);
      assertThat(data.get("connectTimeout"))
          .as(keys.toString())
          .isEqualTo(written(config, Profile.AWS, "IMDS_PROBE_CONNECT_TIMEOUT"));
      assertThat(data.get("settle")).isEqualTo(written(config, Profile.AWS, "IMDS_PROBE_SETTLE"));
      assertThat(data.get("retries")).isEqualTo(written(config, Profile.AWS, "IMDS_PROBE_RETRIES"));
      List<String> lines = List.of(data.get("metadataTargets").split("\n"));
      assertThat(lines).hasSize(Profile.values().length);
      for (Profile profile : Profile.values()) {
        assertThat(lines)
            .as(keys + " " + profile)
            .contains(
                written(config, profile, "IMDS_PROBE_PROFILE")
                    + "="
                    + written(config, profile, "IMDS_PROBE_METADATA"));
      }
    }
    Config tuned = Config.load(Keys.ALL, null, Map.of(), Map.of("probe.connectTimeout", "1500ms"));
    assertThat(fields(tuned).get("connectTimeout")).isEqualTo("1500ms");
  }

  @Test
  @DisplayName(
      "metadata.profile configured: one line; a parameter object stating more lines passes, one"
          + " missing the line names the metadata keys")
  void configuredProfile() {
    Config gcp = Config.load(Keys.ALL, null, Map.of(), Map.of("metadata.profile", "gcp"));
    List<PolicyParams.Param> params = PolicyParams.of(gcp, IMAGE);
    Map<String, String> data = data(gcp);
    assertThat(data.get("metadataTargets"))
        .isEqualTo("gcp=" + written(gcp, Profile.GCP, "IMDS_PROBE_METADATA"));
    Config auto = Config.load(Keys.ALL, null, Map.of(), Map.of());
    data.put("metadataTargets", fields(auto).get("metadataTargets"));
    assertThat(PolicyParams.mismatch(params, data, "ns/cm"))
        .as("the shipped lines, the configured profile's among them")
        .isEmpty();
    data.put("metadataTargets", "aws=" + written(gcp, Profile.AWS, "IMDS_PROBE_METADATA"));
    assertThat(PolicyParams.mismatch(params, data, "ns/cm"))
        .hasValueSatisfying(
            m ->
                assertThat(m)
                    .startsWith("metadata.profile, metadata.targets, metadata.allowed 'gcp=")
                    .contains("is not the metadataTargets the admission policy allows"));
    assertThat(PolicyParams.mismatch(PolicyParams.of(auto, IMAGE), data, "ns/cm"))
        .as("auto: every profile's line must be stated, not one")
        .isPresent();
  }
}
