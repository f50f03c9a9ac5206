package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/**
 * Label selector semantics of the Kubernetes API (metav1.LabelSelector): matchLabels and
 * matchExpressions are ANDed; an empty selector selects everything. Pure.
 */
public final class Selectors {
  private Selectors() {}

  /**
   * Why a selector cannot be evaluated (an unknown operator, values with Exists, no values with
   * In), or null when it is valid.
   */
  public static String problem(LabelSelector selector) {
    if (selector == null || selector.getMatchExpressions() == null) {
      return null;
    }
    for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
      String op = r.getOperator();
      List<String> values = r.getValues() == null ? List.of() : r.getValues();
      if (r.getKey() == null || r.getKey().isEmpty()) {
        return "a matchExpressions entry has no key";
      }
      switch (op == null ? "" : op) {
        case "In", "NotIn" -> {
          if (values.isEmpty()) {
            return "matchExpressions " + r.getKey() + " " + op + " needs values";
          }
        }
        case "Exists", "DoesNotExist" -> {
          if (!values.isEmpty()) {
            return "matchExpressions " + r.getKey() + " " + op + " takes no values";
          }
        }
        default -> {
          return "matchExpressions " + r.getKey() + ": unknown operator '" + op + "'";
        }
      }
    }
    return null;
  }

  /**
   * Whether {@code labels} match a valid selector; null (absent) selects nothing, an empty one
   * everything.
   */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> have = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(have.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String value = have.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        boolean ok =
            switch (r.getOperator()) {
              case "In" -> value != null && values.contains(value);
              case "NotIn" -> value == null || !values.contains(value);
              case "Exists" -> value != null;
              case "DoesNotExist" -> value == null;
              default ->
                  throw new IllegalArgumentException(
                      "unknown operator " + r.getOperator() + " (check problem() first)");
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }
}
