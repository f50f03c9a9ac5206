package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.imdsprober.util.Texts;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Whether a pod that carries a sweep's label is that sweep's own, unchanged probe pod (DESIGN.md
 * "Trust"): controlled by the Job the prober created (its UID), with the labels the prober gave it
 * and nothing but the Job controller's own added, and running the prober's container as built
 * (image, command, args, the {@code IMDS_PROBE_*} variables, no variable that changes what the JVM
 * loads, no volume mount, no other container, not on the host network). A tenant with {@code edit}
 * can create a pod with the label, or relabel the real one, but cannot make one pass this. Pure.
 */
public final class PodTrust {
  /** Labels the Job controller adds to the pods it creates. */
  static final Set<String> JOB_CONTROLLER_LABELS =
      Set.of(
          "controller-uid",
          "job-name",
          "batch.kubernetes.io/controller-uid",
          "batch.kubernetes.io/job-name");

  /** Variables that change what the agent's JVM or its process loads. */
  static final Set<String> LOADER_VARIABLES =
      Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH", "LD_PRELOAD");

  private static final String AGENT_PREFIX = "IMDS_PROBE_";

  private PodTrust() {}

  /**
   * Null when the pod is the sweep's own; otherwise what is wrong with it, naming the pod.
   *
   * @param pod a pod that carries the sweep's label
   * @param jobUid the UID the probe Job's create returned
   * @param built the pod template of the Job the prober built
   */
  public static String problem(Pod pod, String jobUid, PodTemplateSpec built) {
    String name = "pod " + Texts.abbreviate(pod.getMetadata().getName(), 80);
    String owner = ownerProblem(pod.getMetadata().getOwnerReferences(), jobUid);
    if (owner != null) {
      return name + " " + owner;
    }
    String labels = labelProblem(pod.getMetadata().getLabels(), built.getMetadata().getLabels());
    if (labels != null) {
      return name + " " + labels;
    }
    String spec = specProblem(pod.getSpec(), built.getSpec());
    return spec == null ? null : name + " " + spec;
  }

  static String ownerProblem(List<OwnerReference> owners, String jobUid) {
    OwnerReference controller = null;
    for (OwnerReference o : owners == null ? List.<OwnerReference>of() : owners) {
      if (Boolean.TRUE.equals(o.getController())) {
        controller = o;
      }
    }
    if (controller == null) {
      return "has no controller; the probe Job (uid " + jobUid + ") did not create it";
    }
    if (!"Job".equals(controller.getKind()) || !Objects.equals(jobUid, controller.getUid())) {
      return "is controlled by "
          + controller.getKind()
          + " "
          + Texts.abbreviate(controller.getName(), 80)
          + " (uid "
          + Texts.abbreviate(controller.getUid(), 40)
          + "), not by the probe Job (uid "
          + jobUid
          + ")";
    }
    return null;
  }

  static String labelProblem(Map<String, String> actual, Map<String, String> built) {
    Map<String, String> have = new TreeMap<>(actual == null ? Map.of() : actual);
    for (Map.Entry<String, String> e : built.entrySet()) {
      String value = have.remove(e.getKey());
      if (!e.getValue().equals(value)) {
        return value == null
            ? "lost its label " + e.getKey()
            : "has label "
                + e.getKey()
                + "="
                + Texts.abbreviate(value, 60)
                + ", the prober gave it "
                + e.getValue();
      }
    }
    have.keySet().removeAll(JOB_CONTROLLER_LABELS);
    if (!have.isEmpty()) {
      String key = have.keySet().iterator().next();
      return "has label "
          + Texts.abbreviate(key, 60)
          + "="
          + Texts.abbreviate(have.get(key), 60)
          + " that the prober did not give it (a label can change which policies apply)";
    }
    return null;
  }

  static String specProblem(PodSpec actual, PodSpec built) {
    if (actual == null) {
      return "has no spec";
    }
    if (Boolean.TRUE.equals(actual.getHostNetwork())) {
      return "runs on the host network";
    }
    if (!nullOrEmpty(actual.getInitContainers()) || !nullOrEmpty(actual.getEphemeralContainers())) {
      return "has init or ephemeral containers the prober did not build";
    }
    List<Container> containers =
        actual.getContainers() == null ? List.of() : actual.getContainers();
    Container want = built.getContainers().get(0);
    if (containers.size() != 1 || !want.getName().equals(containers.get(0).getName())) {
      return "has containers "
          + Texts.abbreviate(
              String.join(",", containers.stream().map(Container::getName).toList()), 120)
          + ", the prober built only '"
          + want.getName()
          + "'";
    }
    Container have = containers.get(0);
    if (!Objects.equals(want.getImage(), have.getImage())) {
      return "runs image " + Texts.abbreviate(have.getImage(), 120) + ", not " + want.getImage();
    }
    if (!Objects.equals(want.getCommand(), have.getCommand())
        || !Objects.equals(want.getArgs(), have.getArgs())) {
      return "runs command "
          + Texts.abbreviate(String.valueOf(have.getCommand()) + " " + have.getArgs(), 200)
          + ", not the one the prober built";
    }
    if (!nullOrEmpty(have.getVolumeMounts())) {
      return "mounts volumes into the probe container";
    }
    if (!Objects.equals(want.getTerminationMessagePath(), have.getTerminationMessagePath())) {
      return "writes its result to "
          + Texts.abbreviate(have.getTerminationMessagePath(), 120)
          + ", not "
          + want.getTerminationMessagePath();
    }
    Map<String, String> wantEnv = env(want.getEnv());
    Map<String, String> haveEnv = env(have.getEnv());
    for (String key : union(wantEnv.keySet(), haveEnv.keySet())) {
      boolean agent = key.startsWith(AGENT_PREFIX) || LOADER_VARIABLES.contains(key);
      if (agent && !Objects.equals(wantEnv.get(key), haveEnv.get(key))) {
        return "has "
            + Texts.abbreviate(key, 60)
            + (haveEnv.containsKey(key)
                ? "=" + Texts.abbreviate(haveEnv.get(key), 120)
                : " missing")
            + ", not as the prober built it";
      }
    }
    return SpecDrift.problem(actual, built);
  }

  /**
   * Name to value, or to {@code fieldRef:PATH} (the API server defaults the fieldRef's version).
   */
  private static Map<String, String> env(List<EnvVar> vars) {
    Map<String, String> out = new TreeMap<>();
    for (EnvVar v : vars == null ? List.<EnvVar>of() : vars) {
      String value = v.getValue();
      if (v.getValueFrom() != null) {
        value =
            v.getValueFrom().getFieldRef() != null
                ? "fieldRef:" + v.getValueFrom().getFieldRef().getFieldPath()
                : "valueFrom:" + v.getValueFrom();
      }
      out.put(v.getName(), value == null ? "" : value);
    }
    return out;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new java.util.TreeSet<>(a);
    out.addAll(b);
    return out;
  }

  private static boolean nullOrEmpty(List<?> list) {
    return list == null || list.isEmpty();
  }
}
