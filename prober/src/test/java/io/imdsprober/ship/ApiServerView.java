package io.imdsprober.ship;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Job as a ValidatingAdmissionPolicy sees it on CREATE: not the client's JSON but the API
 * server's object after defaulting and the create strategy (batch/v1 and core/v1 defaults, the
 * Job's generated selector and its labels, the metadata the server writes), converted to a map with
 * unset fields absent. A policy that admits only the client's form would deny every real probe Job;
 * one that admits only this form would be untested against what the prober sends. Tests evaluate
 * both.
 */
final class ApiServerView {
  static final String UID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

  private ApiServerView() {}

  /** The Job {@code job} (a map of the client's JSON) as the API server holds it on CREATE. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> job(Map<String, Object> job) {
    Map<String, Object> out = copy(job);
    Map<String, Object> meta = child(out, "metadata");
    meta.put("uid", UID);
    meta.put("creationTimestamp", "2026-11-27T10:10:10Z");
    meta.put("generation", 1L);
    meta.putIfAbsent(
        "managedFields",
        List.of(
            Map.of(
                "manager", "imds-prober",
                "operation", "Update",
                "apiVersion", "batch/v1",
                "time", "2026-11-27T10:10:10Z",
                "fieldsType", "FieldsV1",
                "fieldsV1", Map.of("f:spec", Map.of()))));
    out.putIfAbsent("status", new LinkedHashMap<>());
    Map<String, Object> spec = child(out, "spec");
    // SetDefaults_Job
    if (!spec.containsKey("completions") && !spec.containsKey("parallelism")) {
      spec.put("completions", 1L);
    }
    spec.putIfAbsent("parallelism", 1L);
    spec.putIfAbsent("backoffLimit", 6L);
    spec.putIfAbsent("completionMode", "NonIndexed");
    spec.putIfAbsent("suspend", false);
    spec.putIfAbsent(
        "podReplacementPolicy",
        spec.containsKey("podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
    Map<String, Object> template = child(spec, "template");
    Map<String, Object> templateMeta = child(template, "metadata");
    templateMeta.putIfAbsent("creationTimestamp", null);
    // the create strategy's generateSelector
    if (!Boolean.TRUE.equals(spec.get("manualSelector"))) {
      spec.putIfAbsent(
          "selector",
          new LinkedHashMap<>(
              Map.of("matchLabels", Map.of("batch.kubernetes.io/controller-uid", UID))));
      Map<String, Object> labels = child(templateMeta, "labels");
      labels.put("batch.kubernetes.io/controller-uid", UID);
      labels.put("controller-uid", UID);
      String name = String.valueOf(meta.get("name"));
      labels.put("batch.kubernetes.io/job-name", name);
      labels.put("job-name", name);
    }
    // SetDefaults_PodSpec
    Map<String, Object> pod = child(template, "spec");
    pod.putIfAbsent("dnsPolicy", "ClusterFirst");
    pod.putIfAbsent("restartPolicy", "Always");
    pod.putIfAbsent("terminationGracePeriodSeconds", 30L);
    pod.putIfAbsent("securityContext", new LinkedHashMap<>());
    pod.putIfAbsent("schedulerName", "default-scheduler");
    pod.putIfAbsent("enableServiceLinks", true);
    for (String list : List.of("containers", "initContainers")) {
      for (Object c : (List<Object>) pod.getOrDefault(list, List.of())) {
        container((Map<String, Object>) c);
      }
    }
    return out;
  }

  /** SetDefaults_Container, the EnvVar fieldRef's apiVersion, and the always-present resources. */
  @SuppressWarnings("unchecked")
  private static void container(Map<String, Object> c) {
    c.putIfAbsent("terminationMessagePath", "/dev/termination-log");
    c.putIfAbsent("terminationMessagePolicy", "File");
    String image = String.valueOf(c.get("image"));
    boolean latest =
        !image.contains("@")
            && (image.endsWith(":latest")
                || !image.substring(image.lastIndexOf('/') + 1).contains(":"));
    c.putIfAbsent("imagePullPolicy", latest ? "Always" : "IfNotPresent");
    c.putIfAbsent("resources", new LinkedHashMap<>());
    for (Object e : (List<Object>) c.getOrDefault("env", List.of())) {
      Object from = ((Map<String, Object>) e).get("valueFrom");
      if (from instanceof Map<?, ?> f && f.get("fieldRef") instanceof Map<?, ?> ref) {
        ((Map<String, Object>) ref).putIfAbsent("apiVersion", "v1");
      }
    }
    for (Object p : (List<Object>) c.getOrDefault("ports", List.of())) {
      ((Map<String, Object>) p).putIfAbsent("protocol", "TCP");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> child(Map<String, Object> parent, String key) {
    return (Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<>());
  }

  /** A deep, mutable copy of maps and lists. */
  @SuppressWarnings("unchecked")
  static <T> T copy(T value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
      return (T) out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(copy(v)));
      return (T) out;
    }
    return value;
  }
}
