package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.util.Texts;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether a probe pod's whole spec is the template the prober built, less only what the cluster
 * itself adds to every pod (an allow-list): the scheduler's {@code nodeName}, the API server's
 * defaults ({@code dnsPolicy: ClusterFirst}, {@code schedulerName: default-scheduler}, the {@code
 * default} service account, {@code preemptionPolicy}, the priority its class resolves to), the
 * DefaultTolerationSeconds admission's two {@code NoExecute} tolerations, and a LimitRange's extra
 * resource kinds. Anything else, added, removed or changed, is named: a tenant who edits a
 * suspended probe Job's template (node selector, affinity, tolerations: Kubernetes 1.27+ lets
 * anyone who may update the Job do that) or mutates the pod at create (hostAliases, dnsConfig,
 * shareProcessNamespace) runs the agent somewhere or somehow else than planned. Pure.
 */
final class SpecDrift {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** Pod spec fields the cluster sets on every pod, with the value it sets (null: any value). */
  private static final Map<String, Object> POD_DEFAULTS = new LinkedHashMap<>();

  /** Container fields the API server defaults, with the value (null: any value). */
  private static final Map<String, Object> CONTAINER_DEFAULTS = new LinkedHashMap<>();

  /** Non-pointer booleans the API server drops when false (omitempty): false equals absent. */
  private static final Set<String> OMITTED_WHEN_FALSE =
      Set.of("hostNetwork", "hostPID", "hostIPC", "stdin", "stdinOnce", "tty");

  /** What {@link PodTrust} already compares, with its own words. */
  private static final Set<String> COMPARED_ELSEWHERE =
      Set.of(
          "containers",
          "initContainers",
          "ephemeralContainers",
          "hostNetwork",
          "image",
          "command",
          "args",
          "env",
          "volumeMounts",
          "terminationMessagePath",
          "name");

  static {
    POD_DEFAULTS.put("nodeName", null);
    POD_DEFAULTS.put("dnsPolicy", "ClusterFirst");
    POD_DEFAULTS.put("schedulerName", "default-scheduler");
    POD_DEFAULTS.put("serviceAccountName", "default");
    POD_DEFAULTS.put("serviceAccount", "default");
    POD_DEFAULTS.put("preemptionPolicy", "PreemptLowerPriority");
    POD_DEFAULTS.put("priority", null); // resolved from priorityClassName, which is compared
    CONTAINER_DEFAULTS.put("terminationMessagePolicy", "File");
    CONTAINER_DEFAULTS.put("imagePullPolicy", null);
  }

  private SpecDrift() {}

  /** Null when the pod's spec is the built one plus the cluster's own additions; else the first. */
  static String problem(PodSpec actual, PodSpec built) {
    Map<String, Object> have = tree(actual);
    Map<String, Object> want = tree(built);
    for (String key : new TreeSet<>(union(have.keySet(), want.keySet()))) {
      if (COMPARED_ELSEWHERE.contains(key)) {
        continue;
      }
      String p =
          key.equals("tolerations")
              ? tolerations(have.get(key), want.get(key))
              : field("spec." + key, key, have.get(key), want.get(key), POD_DEFAULTS);
      if (p != null) {
        return p;
      }
    }
    if (actual.getContainers() != null
        && actual.getContainers().size() == 1
        && built.getContainers().size() == 1) {
      return container(actual.getContainers().get(0), built.getContainers().get(0));
    }
    return null;
  }

  private static String container(Container actual, Container built) {
    Map<String, Object> have = tree(actual);
    Map<String, Object> want = tree(built);
    for (String key : new TreeSet<>(union(have.keySet(), want.keySet()))) {
      if (COMPARED_ELSEWHERE.contains(key)) {
        continue;
      }
      String p =
          key.equals("resources")
              ? resources(actual, built)
              : field(
                  "the probe container's " + key,
                  key,
                  have.get(key),
                  want.get(key),
                  CONTAINER_DEFAULTS);
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  private static String field(
      String what, String key, Object have, Object want, Map<String, Object> defaults) {
    if (Objects.equals(have, want)) {
      return null;
    }
    if (want == null && defaults.containsKey(key)) {
      Object value = defaults.get(key);
      if (value == null || value.equals(have)) {
        return null;
      }
    }
    if (have == null) {
      return "lacks " + what + " (the prober built " + show(want) + ")";
    }
    return "has "
        + what
        + " "
        + show(have)
        + (want == null ? ", which the prober did not build" : ", the prober built " + show(want))
        + " (it changes where or how the agent runs)";
  }

  /** The built tolerations, plus only the DefaultTolerationSeconds admission's own two. */
  private static String tolerations(Object have, Object want) {
    List<Object> extra = new ArrayList<>(have instanceof List<?> l ? l : List.of());
    List<Object> built = want instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
    for (Object t : built) {
      if (!extra.remove(t)) {
        return "lacks the toleration " + show(t) + " the prober built";
      }
    }
    for (Object t : extra) {
      if (!defaultToleration(t)) {
        return "has the toleration " + show(t) + ", which the prober did not build";
      }
    }
    return null;
  }

  /** {@code node.kubernetes.io/not-ready|unreachable}, Exists, NoExecute, as admission adds it. */
  private static boolean defaultToleration(Object t) {
    if (!(t instanceof Map<?, ?> m)) {
      return false;
    }
    Object key = m.get("key");
    return ("node.kubernetes.io/not-ready".equals(key)
            || "node.kubernetes.io/unreachable".equals(key))
        && "Exists".equals(m.get("operator"))
        && "NoExecute".equals(m.get("effect"))
        && m.get("value") == null
        && Set.of("key", "operator", "effect", "tolerationSeconds").containsAll(m.keySet());
  }

  /** Requests and limits as built, by amount (the API server rewrites 0.5 as 500m). */
  private static String resources(Container actual, Container built) {
    var have = actual.getResources();
    var want = built.getResources();
    if (want == null) {
      return have == null ? null : "has resources the prober did not build";
    }
    if (have == null) {
      return "lacks the probe container's resources";
    }
    String r = amounts("requests", have.getRequests(), want.getRequests());
    return r != null ? r : amounts("limits", have.getLimits(), want.getLimits());
  }

  private static String amounts(
      String what, Map<String, Quantity> have, Map<String, Quantity> want) {
    Map<String, Quantity> h = have == null ? Map.of() : have;
    for (Map.Entry<String, Quantity> e :
        (want == null ? Map.<String, Quantity>of() : want).entrySet()) {
      Quantity q = h.get(e.getKey());
      if (q == null || amount(q).compareTo(amount(e.getValue())) != 0) {
        return "has "
            + what
            + " "
            + e.getKey()
            + "="
            + (q == null ? "none" : Texts.abbreviate(q.toString(), 40))
            + ", the prober built "
            + e.getValue();
      }
    }
    return null;
  }

  private static BigDecimal amount(Quantity q) {
    try {
      return q.getNumericalAmount();
    } catch (ArithmeticException | IllegalArgumentException e) {
      return BigDecimal.valueOf(-1);
    }
  }

  /**
   * The object as JSON values, without what means nothing (empty lists and maps, omitted bools).
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> tree(Object o) {
    Map<String, Object> m = JSON.convertValue(o, Map.class);
    return (Map<String, Object>) normal(m == null ? Map.of() : m);
  }

  private static Object normal(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach(
          (k, x) -> {
            Object n = normal(x);
            boolean omitted = Boolean.FALSE.equals(n) && OMITTED_WHEN_FALSE.contains(k);
            if (n != null && !omitted) {
              out.put(String.valueOf(k), n);
            }
          });
      return out.isEmpty() ? null : out;
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>();
      c.forEach(x -> out.add(normal(x)));
      return out.isEmpty() ? null : out;
    }
    return "".equals(v) ? null : v;
  }

  private static String show(Object v) {
    return Texts.abbreviate(String.valueOf(v), 160);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }
}
