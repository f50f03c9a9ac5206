package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.imdsprober.policy.ForeignPolicies;
import io.imdsprober.policy.ForeignPolicies.Kind;
import io.imdsprober.policy.Workloads;
import io.imdsprober.policy.Workloads.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a policy decision reads from the cluster, in two list calls for the whole cluster: pods
 * (page by page, one slim pod per workload label set, so memory grows with label sets and not with
 * pods) and NetworkPolicies; plus one discovery call for the policy kinds of CNIs and of the admin
 * policy API, which the evaluator does not read (a list each only where the API server serves
 * them). Pods that carry the probe's labels are kept: labels are a tenant's to set, so leaving them
 * out would let a tenant hide a workload by labelling it like a probe (and a probe pod left from an
 * earlier sweep is predicted exactly as this sweep's probe, so it never makes a namespace exposed).
 */
public final class ClusterPolicies {
  private ClusterPolicies() {}

  /**
   * What was read.
   *
   * @param objects slim pods (one per workload), NetworkPolicies, and the objects of foreign policy
   *     kinds (name and namespace only)
   * @param foreign where foreign policy kinds may act: the prediction there is incomplete
   * @param served the foreign policy kinds the API server serves, by group/version (the discovery,
   *     which a re-probe may reuse)
   */
  public record Listing(
      List<HasMetadata> objects, ForeignPolicies foreign, Map<Kind, String> served) {}

  /**
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when a list is refused
   */
  public static Listing list(KubernetesClient client) {
    return list(client, null, null, null);
  }

  /**
   * The same for some namespaces only (a re-probe after a change): a list of pods and one of
   * NetworkPolicies in each, instead of the whole cluster's.
   *
   * @param namespaces the namespaces, or null for every one
   * @param watched the NetworkPolicies of {@code namespaces} as a watch holds them, or null to list
   *     them
   * @param served the foreign kinds served, from an earlier discovery, or null to discover them now
   */
  public static Listing list(
      KubernetesClient client,
      Set<String> namespaces,
      List<? extends HasMetadata> watched,
      Map<Kind, String> served) {
    Map<Workload, HasMetadata> firstPods = new LinkedHashMap<>();
    List<HasMetadata> objects = new ArrayList<>();
    if (namespaces == null) {
      pods(client.pods().inAnyNamespace(), firstPods);
      objects.addAll(firstPods.values());
      objects.addAll(client.network().v1().networkPolicies().inAnyNamespace().list().getItems());
    } else {
      for (String ns : namespaces) {
        pods(client.pods().inNamespace(ns), firstPods);
        if (watched == null) {
          objects.addAll(client.network().v1().networkPolicies().inNamespace(ns).list().getItems());
        }
      }
      if (watched != null) {
        objects.addAll(watched);
      }
      objects.addAll(firstPods.values());
    }
    Map<Kind, String> kinds = served == null ? served(client) : served;
    Set<Kind> unlistable = new LinkedHashSet<>();
    objects.addAll(foreign(client, kinds, unlistable));
    return new Listing(objects, ForeignPolicies.of(objects, unlistable), kinds);
  }

  /**
   * One slim pod per distinct (workload, labels, hostNetwork), page by page: a replica that carries
   * other labels than its siblings (relabelled by hand, or by an operator such as Patroni's {@code
   * role=master}) is kept and decided on its own, while memory grows with label sets, not pods.
   */
  private static void pods(
      io.fabric8.kubernetes.client.dsl.Listable<PodList> pods,
      Map<Workload, HasMetadata> firstPods) {
    String next = null;
    do {
      PodList page = pods.list(new ListOptionsBuilder().withLimit(500L).withContinue(next).build());
      for (Pod pod : page.getItems()) {
        Workload w = Workloads.workload(pod);
        if (w != null) {
          firstPods.computeIfAbsent(w, k -> slim(pod));
        }
      }
      next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
  }

  /**
   * The foreign policy kinds the API server serves, with their group/version: one discovery call
   * ({@code /apis}), then, only for a group that is there, its resources.
   */
  static Map<Kind, String> served(KubernetesClient client) {
    Map<String, String> groups = new LinkedHashMap<>();
    APIGroupList list = client.getApiGroups();
    for (APIGroup g :
        list == null || list.getGroups() == null ? List.<APIGroup>of() : list.getGroups()) {
      if (g.getPreferredVersion() != null) {
        groups.put(g.getName(), g.getPreferredVersion().getGroupVersion());
      }
    }
    Map<Kind, String> out = new LinkedHashMap<>();
    Map<String, Set<String>> resources = new LinkedHashMap<>();
    for (Kind k : ForeignPolicies.KNOWN) {
      String groupVersion = groups.get(k.group());
      if (groupVersion == null) {
        continue;
      }
      Set<String> plurals =
          resources.computeIfAbsent(
              groupVersion,
              gv -> {
                APIResourceList r = client.getApiResources(gv);
                Set<String> names = new LinkedHashSet<>();
                if (r != null && r.getResources() != null) {
                  r.getResources().forEach(x -> names.add(x.getName()));
                }
                return names;
              });
      if (plurals.contains(k.plural())) {
        out.put(k, groupVersion);
      }
    }
    return out;
  }

  /**
   * The objects of the foreign policy kinds served: one list per kind. A kind the prober may not
   * list (RBAC grants it NetworkPolicies only) goes to {@code unlistable}.
   */
  private static List<HasMetadata> foreign(
      KubernetesClient client, Map<Kind, String> served, Set<Kind> unlistable) {
    List<HasMetadata> out = new ArrayList<>();
    for (Map.Entry<Kind, String> e : served.entrySet()) {
      Kind k = e.getKey();
      String groupVersion = e.getValue();
      ResourceDefinitionContext context =
          new ResourceDefinitionContext.Builder()
              .withGroup(k.group())
              .withVersion(groupVersion.substring(groupVersion.indexOf('/') + 1))
              .withKind(k.kind())
              .withPlural(k.plural())
              .withNamespaced(k.namespaced())
              .build();
      try {
        var resource = client.genericKubernetesResources(context);
        List<GenericKubernetesResource> items =
            k.namespaced()
                ? resource.inAnyNamespace().list().getItems()
                : resource.list().getItems();
        for (GenericKubernetesResource item : items) {
          GenericKubernetesResource slim = new GenericKubernetesResource();
          slim.setApiVersion(groupVersion);
          slim.setKind(k.kind());
          slim.setMetadata(
              new ObjectMetaBuilder()
                  .withName(item.getMetadata().getName())
                  .withNamespace(item.getMetadata().getNamespace())
                  .build());
          out.add(slim);
        }
      } catch (KubernetesClientException refused) {
        if (refused.getCode() != 403) {
          throw refused;
        }
        unlistable.add(k);
      }
    }
    return out;
  }

  /**
   * The pod's name, namespace, labels, controlling owner and hostNetwork: all a policy decision
   * reads.
   */
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
        .withNewSpec()
        .withHostNetwork(
            pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork())
                ? Boolean.TRUE
                : null)
        .endSpec()
        .build();
  }
}
