package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.policy.Workloads;
import io.imdsprober.policy.Workloads.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a policy decision reads from the cluster, in two list calls for the whole cluster: pods
 * (page by page, one slim pod per workload, so memory grows with workloads and not with pods) and
 * NetworkPolicies. Pods that carry the probe's labels are kept: labels are a tenant's to set, so
 * leaving them out would let a tenant hide a workload by labelling it like a probe (and a probe pod
 * left from an earlier sweep is predicted exactly as this sweep's probe, so it never makes a
 * namespace exposed).
 */
public final class ClusterPolicies {
  private ClusterPolicies() {}

  /**
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when a list is refused
   */
  public static List<HasMetadata> list(KubernetesClient client) {
    Map<String, HasMetadata> firstPods = new LinkedHashMap<>();
    String next = null;
    do {
      PodList page =
          client
              .pods()
              .inAnyNamespace()
              .list(new ListOptionsBuilder().withLimit(500L).withContinue(next).build());
      for (Pod pod : page.getItems()) {
        Workload w = Workloads.workload(pod);
        if (w != null) {
          firstPods.computeIfAbsent(w.key(), k -> slim(pod));
        }
      }
      next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    List<HasMetadata> objects = new ArrayList<>(firstPods.values());
    objects.addAll(client.network().v1().networkPolicies().inAnyNamespace().list().getItems());
    return objects;
  }

  /** The pod's name, namespace, labels and controlling owner: all a policy decision reads. */
  private static Pod slim(Pod pod) {
    ObjectMeta meta = pod.getMetadata();
    return new PodBuilder()
        .withNewMetadata()
        .withName(meta.getName())
        .withNamespace(meta.getNamespace())
        .withLabels(meta.getLabels())
        .withOwnerReferences(
            meta.getOwnerReferences() == null
                ? List.of()
                : meta.getOwnerReferences().stream()
                    .filter(o -> Boolean.TRUE.equals(o.getController()))
                    .toList())
        .endMetadata()
        .build();
  }
}
