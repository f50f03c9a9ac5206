package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Workloads as DESIGN.md "Policy coverage" defines them: a pod is grouped under its controlling
 * owner when that is a workload kind ({@code ReplicaSet/web-7d9f}); any other pod (no owner, or a
 * static pod owned by its Node) is its own workload of kind Pod; a Deployment, ReplicaSet,
 * StatefulSet, DaemonSet, Job, CronJob or ReplicationController stands for its pod template. An
 * object without a namespace is in {@code default}. Pure.
 */
public final class Workloads {
  /** The kinds that stand for their pod template, and own the pods they make. */
  public static final Set<String> KINDS =
      Set.of(
          "Deployment",
          "ReplicaSet",
          "StatefulSet",
          "DaemonSet",
          "Job",
          "CronJob",
          "ReplicationController");

  /**
   * One workload with one of the label sets its pods carry: a workload whose pods carry several
   * label sets (a replica relabelled by hand, an operator that labels one pod {@code role=master})
   * is several of these, one per distinct (labels, hostNetwork), all with the same {@link #key()}.
   *
   * @param namespace its namespace
   * @param kind its kind ({@code Pod} for a pod of its own)
   * @param name its name
   * @param labels the pod labels policies select on
   * @param hostNetwork whether the pods run in the node's network namespace, where NetworkPolicy
   *     does not apply
   * @param serviceAccount the pods' service account ({@code default} when they name none), which
   *     Calico's and Cilium's selectors may select on
   */
  public record Workload(
      String namespace,
      String kind,
      String name,
      Map<String, String> labels,
      boolean hostNetwork,
      String serviceAccount) {
    public Workload {
      labels = Map.copyOf(labels == null ? Map.of() : labels);
      serviceAccount =
          serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
    }

    public Workload(
        String namespace,
        String kind,
        String name,
        Map<String, String> labels,
        boolean hostNetwork) {
      this(namespace, kind, name, labels, hostNetwork, null);
    }

    public Workload(String namespace, String kind, String name, Map<String, String> labels) {
      this(namespace, kind, name, labels, false);
    }

    /** {@code namespace/kind/name}: the pods of one workload share it. */
    public String key() {
      return namespace + "/" + kind + "/" + name;
    }
  }

  private Workloads() {}

  /**
   * The workloads among {@code objects} (other kinds are ignored), one per distinct (workload,
   * labels, hostNetwork): no pod stands for a sibling that carries other labels. Sorted by
   * namespace, kind, name, then labels.
   */
  public static List<Workload> of(List<? extends HasMetadata> objects) {
    Set<Workload> out = new LinkedHashSet<>();
    for (HasMetadata o : objects) {
      Workload w = workload(o);
      if (w != null) {
        out.add(w);
      }
    }
    return out.stream()
        .sorted(
            Comparator.comparing(Workload::namespace)
                .thenComparing(Workload::kind)
                .thenComparing(Workload::name)
                .thenComparing(w -> new TreeMap<>(w.labels()).toString())
                .thenComparing(Workload::hostNetwork))
        .toList();
  }

  /**
   * The workload {@code o} is or belongs to, or null when it is none (another kind, or no name).
   */
  public static Workload workload(HasMetadata o) {
    ObjectMeta meta = o.getMetadata();
    if (meta == null || meta.getName() == null) {
      return null;
    }
    String ns =
        meta.getNamespace() == null || meta.getNamespace().isEmpty()
            ? "default"
            : meta.getNamespace();
    if (o instanceof Pod pod) {
      boolean host = pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
      OwnerReference owner = controller(meta.getOwnerReferences());
      if (owner != null && KINDS.contains(owner.getKind())) {
        return new Workload(
            ns, owner.getKind(), owner.getName(), meta.getLabels(), host, account(pod.getSpec()));
      }
      return new Workload(
          ns, "Pod", meta.getName(), meta.getLabels(), host, account(pod.getSpec()));
    }
    PodTemplateSpec template = template(o);
    if (template == null) {
      return null;
    }
    Map<String, String> labels =
        template.getMetadata() == null ? Map.of() : template.getMetadata().getLabels();
    boolean host =
        template.getSpec() != null && Boolean.TRUE.equals(template.getSpec().getHostNetwork());
    return new Workload(ns, o.getKind(), meta.getName(), labels, host, account(template.getSpec()));
  }

  /** The service account a pod spec names ({@code serviceAccountName}, or the old field). */
  private static String account(io.fabric8.kubernetes.api.model.PodSpec spec) {
    if (spec == null) {
      return null;
    }
    return spec.getServiceAccountName() != null
        ? spec.getServiceAccountName()
        : spec.getServiceAccount();
  }

  private static PodTemplateSpec template(HasMetadata o) {
    if (o instanceof Deployment d && d.getSpec() != null) {
      return d.getSpec().getTemplate();
    } else if (o instanceof ReplicaSet r && r.getSpec() != null) {
      return r.getSpec().getTemplate();
    } else if (o instanceof StatefulSet s && s.getSpec() != null) {
      return s.getSpec().getTemplate();
    } else if (o instanceof DaemonSet d && d.getSpec() != null) {
      return d.getSpec().getTemplate();
    } else if (o instanceof Job j && j.getSpec() != null) {
      return j.getSpec().getTemplate();
    } else if (o instanceof ReplicationController r && r.getSpec() != null) {
      return r.getSpec().getTemplate();
    } else if (o instanceof CronJob c
        && c.getSpec() != null
        && c.getSpec().getJobTemplate() != null
        && c.getSpec().getJobTemplate().getSpec() != null) {
      return c.getSpec().getJobTemplate().getSpec().getTemplate();
    }
    return null;
  }

  private static OwnerReference controller(List<OwnerReference> owners) {
    if (owners == null) {
      return null;
    }
    for (OwnerReference o : owners) {
      if (Boolean.TRUE.equals(o.getController())) {
        return o;
      }
    }
    return null;
  }
}
