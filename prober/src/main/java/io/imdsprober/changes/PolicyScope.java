package io.imdsprober.changes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Selectors;
import io.imdsprober.policy.anp.AdminPolicies;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The namespaces a cluster-wide policy object may act on, for re-probing after its change: an admin
 * policy's subject narrows them by namespace labels ({@code subject.namespaces}, {@code
 * subject.pods.namespaceSelector}); for any other kind, or a subject that cannot be read, every
 * namespace (a re-probe too many costs a probe; one too few would leave a change unseen). Pure.
 */
final class PolicyScope {
  /** A cluster-wide spec larger than this is not held: every namespace is then in scope. */
  static final int MAX_SPEC_BYTES = 64 * 1024;

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private PolicyScope() {}

  static Set<String> namespaces(HasMetadata o, List<Namespace> known) {
    Set<String> all = new LinkedHashSet<>();
    known.forEach(n -> all.add(n.getMetadata().getName()));
    LabelSelector selector = adminSubject(o);
    if (selector == null || Selectors.problem(selector) != null) {
      return all;
    }
    Set<String> out = new LinkedHashSet<>();
    for (Namespace n : known) {
      Map<String, String> labels = new HashMap<>();
      if (n.getMetadata().getLabels() != null) {
        labels.putAll(n.getMetadata().getLabels());
      }
      labels.put("kubernetes.io/metadata.name", n.getMetadata().getName());
      if (Selectors.matches(selector, labels)) {
        out.add(n.getMetadata().getName());
      }
    }
    return out;
  }

  /** The namespace selector of an admin policy's subject, or null when there is none to read. */
  @SuppressWarnings("unchecked")
  private static LabelSelector adminSubject(HasMetadata o) {
    if (!AdminPolicies.evaluated(o)
        || !(o instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource g)
        || !(g.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec)
        || !(spec.get("subject") instanceof Map<?, ?> subject)) {
      return null;
    }
    Object selector = subject.get("namespaces");
    if (selector == null && subject.get("pods") instanceof Map<?, ?> pods) {
      selector = pods.get("namespaceSelector");
    }
    if (!(selector instanceof Map<?, ?>)) {
      return null;
    }
    try {
      return JSON.convertValue(selector, LabelSelector.class);
    } catch (RuntimeException unreadable) {
      return null;
    }
  }
}
