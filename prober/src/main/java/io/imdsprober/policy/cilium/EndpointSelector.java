package io.imdsprober.policy.cilium;

import io.imdsprober.policy.chain.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Cilium {@code endpointSelector} (or {@code toEndpoints} entry): a label selector whose keys may
 * carry a source prefix ({@code k8s:app}, {@code any:app}, {@code reserved:host}); a key without
 * one is {@code any:} (docs.cilium.io security/policy/language, "Endpoints based"; cilium
 * pkg/labels ParseSelectLabel splits the source at the first colon). A pod's labels as Cilium sees
 * them are its Kubernetes labels (source {@code k8s}) plus {@code io.kubernetes.pod.namespace},
 * {@code io.cilium.k8s.namespace.labels.<key>} for each label of its namespace, {@code
 * io.cilium.k8s.policy.serviceaccount} and {@code io.cilium.k8s.policy.cluster}; a pod carries no
 * {@code reserved:} or other-source label. The service account is known only when the subject says
 * it; the cluster name never is: a requirement on either is then not known. Pure.
 */
final class EndpointSelector {
  static final String NAMESPACE = "io.kubernetes.pod.namespace";
  static final String NAMESPACE_LABELS = "io.cilium.k8s.namespace.labels.";
  static final String SERVICE_ACCOUNT = "io.cilium.k8s.policy.serviceaccount";
  static final String CLUSTER = "io.cilium.k8s.policy.cluster";

  private static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");

  /**
   * One requirement: source, key, operator and values ({@code matchLabels} entries are In, {@code
   * fromMatchLabels}).
   */
  record Requirement(
      String source, String key, String operator, List<String> values, boolean fromMatchLabels) {
    Requirement(String source, String key, String operator, List<String> values) {
      this(source, key, operator, values, false);
    }

    boolean positive() {
      return operator.equals("In") || operator.equals("Exists");
    }
  }

  private final List<Requirement> requirements;

  private EndpointSelector(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  List<Requirement> requirements() {
    return requirements;
  }

  /**
   * Reads a selector map; throws {@link IllegalArgumentException} naming what is wrong (an unknown
   * operator, values with Exists, no values with In, a value that is not a string).
   */
  static EndpointSelector parse(Object v) {
    if (!(v instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("is not a label selector");
    }
    List<Requirement> out = new ArrayList<>();
    Object labels = m.get("matchLabels");
    if (labels != null) {
      if (!(labels instanceof Map<?, ?> ml)) {
        throw new IllegalArgumentException("matchLabels is not a map");
      }
      for (Map.Entry<?, ?> e : ml.entrySet()) {
        if (!(e.getValue() instanceof String value)) {
          throw new IllegalArgumentException(
              "matchLabels " + e.getKey() + ": the value is not a string");
        }
        Requirement r = requirement(String.valueOf(e.getKey()), "In", List.of(value));
        out.add(new Requirement(r.source(), r.key(), "In", r.values(), true));
      }
    }
    Object expressions = m.get("matchExpressions");
    if (expressions != null) {
      if (!(expressions instanceof List<?> list)) {
        throw new IllegalArgumentException("matchExpressions is not a list");
      }
      for (Object x : list) {
        if (!(x instanceof Map<?, ?> r) || !(r.get("key") instanceof String key) || key.isEmpty()) {
          throw new IllegalArgumentException("a matchExpressions entry has no key");
        }
        String op = String.valueOf(r.get("operator"));
        if (!OPERATORS.contains(op)) {
          throw new IllegalArgumentException(
              "matchExpressions " + key + ": unknown operator '" + op + "'");
        }
        List<String> values = new ArrayList<>();
        if (r.get("values") instanceof List<?> vs) {
          for (Object value : vs) {
            values.add(String.valueOf(value));
          }
        } else if (r.get("values") != null) {
          throw new IllegalArgumentException("matchExpressions " + key + ": values is not a list");
        }
        boolean set = op.equals("In") || op.equals("NotIn");
        if (set && values.isEmpty()) {
          throw new IllegalArgumentException(
              "matchExpressions " + key + " " + op + " needs values");
        }
        if (!set && !values.isEmpty()) {
          throw new IllegalArgumentException(
              "matchExpressions " + key + " " + op + " takes no values");
        }
        out.add(requirement(key, op, values));
      }
    }
    return new EndpointSelector(out);
  }

  private static Requirement requirement(String written, String op, List<String> values) {
    int colon = written.indexOf(':');
    String source = colon < 0 ? "any" : written.substring(0, colon);
    String key = colon < 0 ? written : written.substring(colon + 1);
    return new Requirement(source, key, op, values);
  }

  /**
   * Whether it selects the pod: yes, no, or not known (a label whose value is not known).
   *
   * @param namespaced a CiliumNetworkPolicy's endpointSelector: Cilium sets its matchLabels entry
   *     {@code k8s:io.kubernetes.pod.namespace} to the policy's own namespace (ParseToCiliumRule's
   *     AddMatch; docs.cilium.io security/policy/kubernetes "Known Pitfalls"), so that entry is not
   *     read (the caller checks the namespace); a matchExpressions condition on the namespace, or a
   *     matchLabels entry of another source ({@code io.kubernetes.pod.namespace}, source any),
   *     stays and is ANDed: naming another namespace, it selects nothing
   */
  Tri selects(Subject pod, String where, boolean namespaced) {
    Tri out = Tri.YES;
    for (Requirement r : requirements) {
      if (namespaced
          && r.fromMatchLabels()
          && r.source().equals("k8s")
          && r.key().equals(NAMESPACE)) {
        continue;
      }
      Tri t = holds(r, pod, where);
      out = out.and(t);
      if (out == Tri.NO) {
        return out;
      }
    }
    return out;
  }

  private static Tri holds(Requirement r, Subject pod, String where) {
    String value;
    if (!r.source().equals("k8s") && !r.source().equals("any")) {
      value = null; // a pod carries no reserved: (or other-source) label
    } else if (r.key().equals(NAMESPACE)) {
      value = pod.namespace();
    } else if (r.key().startsWith(NAMESPACE_LABELS)) {
      value = pod.namespaceLabels().get(r.key().substring(NAMESPACE_LABELS.length()));
    } else if (r.key().equals(SERVICE_ACCOUNT)) {
      if (pod.serviceAccount() == null) {
        return Tri.unknown(
            where
                + ": selects by "
                + SERVICE_ACCOUNT
                + ", and the pod's service account is not known");
      }
      value = pod.serviceAccount();
    } else if (r.key().equals(CLUSTER)) {
      return Tri.unknown(
          where + ": selects by " + CLUSTER + ", and the cluster's Cilium name is not known");
    } else {
      value = pod.labels().get(r.key());
    }
    return Tri.of(
        switch (r.operator()) {
          case "In" -> value != null && r.values().contains(value);
          case "NotIn" -> value == null || !r.values().contains(value);
          case "Exists" -> value != null;
          default -> value == null; // DoesNotExist
        });
  }
}
