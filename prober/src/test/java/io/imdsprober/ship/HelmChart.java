package io.imdsprober.ship;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The Helm chart (manifests/helm/imds-prober), linted and rendered in-process by helm-java (Helm as
 * a native library: no binary on the machine), and a render's objects in a form that compares with
 * kustomize's.
 */
final class HelmChart {
  static final Path CHART = Manifests.MANIFESTS.resolve("helm/imds-prober");
  static final String RELEASE = "imds-prober";

  /** Labels Helm's convention adds; kustomize has no such thing, so comparisons leave them out. */
  static final Set<String> HELM_LABELS =
      Set.of("helm.sh/chart", "app.kubernetes.io/instance", "app.kubernetes.io/version");

  /** Kinds without a namespace: kustomize's namespace: stamps one on them anyway, Helm does not. */
  static final Set<String> CLUSTER_SCOPED =
      Set.of(
          "Namespace",
          "ClusterRole",
          "ClusterRoleBinding",
          "ValidatingAdmissionPolicy",
          "ValidatingAdmissionPolicyBinding");

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final JsonMapper JSON = new JsonMapper();

  private HelmChart() {}

  /** {@code helm lint --strict} with the chart's own values. */
  static LintResult lint() {
    return new Helm(CHART).lint().strict().call();
  }

  /**
   * {@code helm template} with these values (a values.yaml text, laid over the chart's own).
   *
   * @throws IllegalStateException with Helm's message when it refuses the values or the render
   */
  static String template(String values) {
    try {
      Path file = Files.createTempFile("imds-prober-values", ".yaml");
      try {
        Files.writeString(file, values);
        return new Helm(CHART)
            .template()
            .withName(RELEASE)
            .withNamespace("imds-prober")
            .withValuesFile(file)
            .call();
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The objects of a rendered text (Helm's or kustomize's) by "Kind namespace/name", each as a
   * plain map with what only one of the two tools writes taken out: Helm's labels, kustomize's
   * namespace on cluster-scoped kinds, the generated config ConfigMap's content hash (each tool
   * names it by a hash of its own, which rolls the pods on a change), and the text form of a YAML
   * file in a ConfigMap (compared as the YAML it is).
   */
  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> comparable(String rendered) {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    for (String doc : rendered.split("(?m)^---\\s*$")) {
      Map<String, Object> o = YAML.readValue(doc.isBlank() ? "{}" : doc, LinkedHashMap.class);
      if (o == null || o.isEmpty()) {
        continue;
      }
      String kind = (String) o.get("kind");
      Map<String, Object> meta = (Map<String, Object>) o.get("metadata");
      Map<String, Object> labels = (Map<String, Object>) meta.get("labels");
      if (labels != null) {
        HELM_LABELS.forEach(labels::remove);
        labels.remove("app.kubernetes.io/managed-by", "Helm");
        if (labels.isEmpty()) {
          meta.remove("labels");
        }
      }
      if (CLUSTER_SCOPED.contains(kind)) {
        meta.remove("namespace");
      }
      if ("ConfigMap".equals(kind) && o.get("data") instanceof Map<?, ?> data) {
        Map<String, Object> parsed = new TreeMap<>();
        data.forEach(
            (k, v) ->
                parsed.put(
                    (String) k,
                    ((String) k).endsWith(".yaml") ? YAML.readValue((String) v, Object.class) : v));
        o.put("data", parsed);
      }
      String json =
          JSON.writeValueAsString(whitespace(o))
              .replaceAll("imds-prober-config-[a-z0-9]{10}\"", "imds-prober-config-HASH\"");
      Map<String, Object> normal = JSON.readValue(json, LinkedHashMap.class);
      Map<String, Object> m = (Map<String, Object>) normal.get("metadata");
      out.put(
          kind + " " + (m.get("namespace") == null ? "" : m.get("namespace") + "/") + m.get("name"),
          normal);
    }
    return out;
  }

  /**
   * A multi-line string with its runs of white space as one space: kustomize re-emits a folded CEL
   * expression with more-indented lines (the exec fence's) with an extra line break, which Helm
   * does not; CEL reads both alike.
   */
  private static Object whitespace(Object value) {
    if (value instanceof String s && s.contains("\n")) {
      return s.replaceAll("\\s+", " ").trim();
    }
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(k, whitespace(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      return l.stream().map(HelmChart::whitespace).toList();
    }
    return value;
  }

  /** The objects of a rendered text, for the fabric8 model checks. */
  static List<io.fabric8.kubernetes.api.model.HasMetadata> objects(String rendered) {
    return Manifests.objects(rendered.replaceAll("(?m)^# Source: .*$", ""));
  }
}
