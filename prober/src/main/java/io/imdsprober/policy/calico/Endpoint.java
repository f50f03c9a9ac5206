package io.imdsprober.policy.calico;

import io.imdsprober.policy.chain.Subject;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A pod as Calico's selectors see its workload endpoint (libcalico-go {@code
 * backend/k8s/conversion}: the pod's labels plus {@code projectcalico.org/namespace}, {@code
 * projectcalico.org/orchestrator: k8s} and {@code projectcalico.org/serviceaccount}; the
 * namespace's labels as {@code pcns.<key>} and the service account's as {@code pcsa.<key>},
 * inherited from its profiles, each with its {@code projectcalico.org/name}). A label that depends
 * on a service account that is not known is unknown (the selector reading it is then undecided).
 * Pure.
 *
 * @param namespace the pod's namespace
 * @param labels the endpoint's labels
 * @param namespaceLabels the namespace's labels plus {@code projectcalico.org/name}
 * @param accountLabels the service account's labels plus {@code projectcalico.org/name}
 * @param unknownLabel the endpoint label keys not known
 * @param unknownAccountLabel the service account label keys not known
 */
record Endpoint(
    String namespace,
    Map<String, String> labels,
    Map<String, String> namespaceLabels,
    Map<String, String> accountLabels,
    Predicate<String> unknownLabel,
    Predicate<String> unknownAccountLabel) {
  static final String NAME = "projectcalico.org/name";
  static final String NAMESPACE = "projectcalico.org/namespace";
  static final String ACCOUNT = "projectcalico.org/serviceaccount";
  static final String NS_PREFIX = "pcns.";
  static final String SA_PREFIX = "pcsa.";

  static Endpoint of(Subject pod) {
    String ns = pod.namespace();
    Map<String, String> labels = new HashMap<>(pod.labels());
    labels.put(NAMESPACE, ns);
    labels.put("projectcalico.org/orchestrator", "k8s");
    pod.namespaceLabels().forEach((k, v) -> labels.put(NS_PREFIX + k, v));
    labels.put(NS_PREFIX + NAME, ns);
    Map<String, String> nsLabels = new HashMap<>(pod.namespaceLabels());
    nsLabels.put(NAME, ns);
    String sa = pod.serviceAccount();
    Map<String, String> saLabels = new HashMap<>();
    Predicate<String> unknown;
    Predicate<String> unknownAccount;
    if (sa == null) {
      unknown = k -> k.equals(ACCOUNT) || k.startsWith(SA_PREFIX);
      unknownAccount = k -> true;
    } else {
      labels.put(ACCOUNT, sa);
      labels.put(SA_PREFIX + NAME, sa);
      saLabels.put(NAME, sa);
      if (pod.serviceAccountLabels() == null) {
        unknown = k -> k.startsWith(SA_PREFIX) && !k.equals(SA_PREFIX + NAME);
        unknownAccount = k -> !k.equals(NAME);
      } else {
        pod.serviceAccountLabels().forEach((k, v) -> labels.put(SA_PREFIX + k, v));
        saLabels.putAll(pod.serviceAccountLabels());
        saLabels.put(NAME, sa);
        unknown = k -> false;
        unknownAccount = k -> false;
      }
    }
    return new Endpoint(ns, labels, nsLabels, saLabels, unknown, unknownAccount);
  }

  /** The pod's service account name, or null when not known. */
  String serviceAccount() {
    return accountLabels.get(NAME);
  }
}
