package io.imdsprober.policy.chain;

import java.util.Map;

/**
 * A pod as policies select it: its namespace, that namespace's labels, its own labels and its
 * service account.
 *
 * @param namespace the namespace ({@code default} when none is given)
 * @param namespaceLabels the namespace's labels (at least {@code kubernetes.io/metadata.name})
 * @param labels the pod's labels
 * @param serviceAccount the pod's service account name ({@code default} when the pod names none),
 *     or null when not known (a policy that selects by service account is then undecided)
 * @param serviceAccountLabels that service account's labels, or null when not known
 */
public record Subject(
    String namespace,
    Map<String, String> namespaceLabels,
    Map<String, String> labels,
    String serviceAccount,
    Map<String, String> serviceAccountLabels) {
  public Subject {
    namespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
    namespaceLabels = namespaceLabels == null ? Map.of() : namespaceLabels;
    labels = labels == null ? Map.of() : labels;
  }

  /** A pod whose service account is not known. */
  public Subject(
      String namespace, Map<String, String> namespaceLabels, Map<String, String> labels) {
    this(namespace, namespaceLabels, labels, null, null);
  }
}
