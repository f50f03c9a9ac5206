package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
}
