package io.imdsprober.policy.chain;

import java.util.Map;

/**
 * A pod as policies select it: its namespace, that namespace's labels and its own labels.
 *
 * @param namespace the namespace ({@code default} when none is given)
 * @param namespaceLabels the namespace's labels (at least {@code kubernetes.io/metadata.name})
 * @param labels the pod's labels
 */
public record Subject(
    String namespace, Map<String, String> namespaceLabels, Map<String, String> labels) {
  public Subject {
    namespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
    namespaceLabels = namespaceLabels == null ? Map.of() : namespaceLabels;
    labels = labels == null ? Map.of() : labels;
  }
}
