package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.imdsprober.policy.ForeignPolicies;
import io.imdsprober.policy.ForeignPolicies.Kind;
import io.imdsprober.policy.PolicyTally;
import io.imdsprober.policy.PolicyWeight;
import io.imdsprober.policy.Workloads;
import io.imdsprober.policy.Workloads.Workload;
import io.imdsprober.policy.chain.ClusterTiers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a policy decision reads from the cluster, for the whole cluster or some namespaces: pods
 * (page by page, one slim pod per workload label set, so memory grows with label sets and not with
 * pods) and NetworkPolicies (a few per page, each trimmed to what the evaluator reads and weighed
 * against the caps of {@link PolicyWeight} as it comes); plus one discovery call for the policy
 * kinds of CNIs and of the admin policy API, which the evaluator does not read (a paged list each
 * only where the API server serves them). A namespace over a weight cap keeps neither policies nor
 * pods: its prediction is incomplete, with the cap named ({@link Listing#undecided}). Pods that
 * carry the probe's labels are kept: labels are a tenant's to set, so leaving them out would let a
 * tenant hide a workload by labelling it like a probe (and a probe pod left from an earlier sweep
 * is predicted exactly as this sweep's probe, so it never makes a namespace exposed).
 */
public final class ClusterPolicies {
  private ClusterPolicies() {}

  private static final io.fabric8.kubernetes.client.utils.KubernetesSerialization JSON =
      new io.fabric8.kubernetes.client.utils.KubernetesSerialization();

  /**
   * NetworkPolicies (and foreign policy objects) per list call: one can be about 1 MB, so a page of
   * five is a few MB of heap while it is parsed, whatever the cluster holds.
   */
  public static final long POLICY_PAGE = 5;

  /**
   * Pods per list call: a pod is a few KB, but a tenant can write up to about 1 MB of annotations
   * on one, so a page stays small (a few dozen MB at the very worst while it is parsed).
   */
  public static final long POD_PAGE = 50;

  /**
   * What was read.
   *
   * @param objects slim pods (one per workload), NetworkPolicies, the admin policies
   *     (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy: name and spec, for
   *     the precedence chain) with every namespace's labels where there are any, and the objects of
   *     other foreign policy kinds (name and namespace only)
   * @param foreign where foreign policy kinds the evaluator does not read may act, and admin
   *     policies over the per-policy byte cap: the prediction there is incomplete
   * @param served the foreign policy kinds the API server serves, by group/version (the discovery,
   *     which a re-probe may reuse)
   * @param undecided the namespaces over a weight cap, each with its reasons (the policy and the
   *     cap named): their prediction is incomplete, and none of their objects is held
   */
  public record Listing(
      List<HasMetadata> objects,
      ForeignPolicies foreign,
      Map<Kind, String> served,
      Map<String, List<String>> undecided) {}

  /**
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when a list is refused
   */
  public static Listing list(KubernetesClient client, PolicyWeight.Caps caps) {
    return list(client, null, null, null, caps);
  }

  /**
   * The same for some namespaces only (a re-probe after a change): a list of pods and one of
   * NetworkPolicies in each, instead of the whole cluster's.
   *
   * @param namespaces the namespaces, or null for every one
   * @param watched the NetworkPolicies of {@code namespaces} as a watch holds them, or null to list
   *     them
   * @param served the foreign kinds served, from an earlier discovery, or null to discover them now
   * @param caps the weight caps
   */
  public static Listing list(
      KubernetesClient client,
      Set<String> namespaces,
      List<? extends HasMetadata> watched,
      Map<Kind, String> served,
      PolicyWeight.Caps caps) {
    Map<Workload, HasMetadata> firstPods = new LinkedHashMap<>();
    PolicyTally policies = new PolicyTally(caps);
    if (namespaces == null) {
      pods(client.pods().inAnyNamespace(), firstPods);
      policies(client.network().v1().networkPolicies().inAnyNamespace(), policies);
    } else {
      for (String ns : namespaces) {
        pods(client.pods().inNamespace(ns), firstPods);
        if (watched == null) {
          policies(client.network().v1().networkPolicies().inNamespace(ns), policies);
        }
      }
      if (watched != null) {
        for (HasMetadata o : watched) {
          if (o instanceof NetworkPolicy p) {
            policies.add(p);
          }
        }
      }
    }
    Map<String, List<String>> undecided = policies.undecided();
    List<HasMetadata> objects = new ArrayList<>();
    for (HasMetadata pod : firstPods.values()) {
      if (!undecided.containsKey(pod.getMetadata().getNamespace())) {
        objects.add(pod);
      }
    }
    objects.addAll(policies.kept());
    Map<Kind, String> kinds = served == null ? served(client) : served;
    Set<Kind> unlistable = new LinkedHashSet<>();
    // by namespace ("" for cluster-wide objects): what could not be evaluated, named
    Map<String, Set<String>> heavy = new java.util.TreeMap<>();
    List<HasMetadata> other = foreign(client, namespaces, kinds, unlistable, caps, heavy);
    objects.addAll(other);
    if (other.stream().anyMatch(ClusterTiers::evaluated)) {
      // admin and CNI policies select by namespace labels: without them, they are not evaluated
      List<HasMetadata> labelled = namespaces(client);
      if (labelled == null) {
        for (HasMetadata o : other) {
          if (ClusterTiers.evaluated(o)) {
            objects.remove(o);
            heavy(heavy, o)
                .add(
                    display(o)
                        + ": namespaces not listable (their labels select its subject): not"
                        + " evaluated");
          }
        }
      } else {
        objects.addAll(labelled);
      }
    }
    ForeignPolicies unknown =
        ForeignPolicies.of(
            other.stream().filter(o -> !ClusterTiers.evaluated(o)).toList(), unlistable);
    Set<String> everywhere = new java.util.TreeSet<>(unknown.everywhere());
    everywhere.addAll(heavy.getOrDefault("", Set.of()));
    Map<String, Set<String>> byNamespace = new java.util.TreeMap<>(unknown.byNamespace());
    heavy.forEach(
        (ns, why) -> {
          if (!ns.isEmpty()) {
            byNamespace.computeIfAbsent(ns, x -> new java.util.TreeSet<>()).addAll(why);
          }
        });
    return new Listing(objects, new ForeignPolicies(byNamespace, everywhere), kinds, undecided);
  }

  /** Where an object not evaluated is named: its namespace's set, or the cluster's ({@code ""}). */
  private static Set<String> heavy(Map<String, Set<String>> heavy, HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return heavy.computeIfAbsent(ns == null ? "" : ns, x -> new java.util.TreeSet<>());
  }

  /** Every namespace, with its name and labels only; null when the prober may not list them. */
  private static List<HasMetadata> namespaces(KubernetesClient client) {
    List<HasMetadata> out = new ArrayList<>();
    String next = null;
    do {
      NamespaceList page;
      try {
        page =
            client
                .namespaces()
                .list(new ListOptionsBuilder().withLimit(POD_PAGE).withContinue(next).build());
      } catch (KubernetesClientException refused) {
        if (refused.getCode() != 403) {
          throw refused;
        }
        return null;
      }
      for (Namespace ns : page.getItems()) {
        out.add(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(ns.getMetadata().getName())
                .withLabels(ns.getMetadata().getLabels())
                .endMetadata()
                .build());
      }
      next = continueOf(page);
    } while (next != null);
    return out;
  }

  /**
   * A policy of a kind the chain evaluates (admin tiers, a CNI's kinds), kept whole for it
   * (apiVersion, kind, name, namespace, labels, spec or Cilium's {@code specs}), or, over the
   * per-policy byte cap, not kept and named in {@code heavy}: the prediction is then incomplete
   * wherever it may act (every namespace for a cluster-wide kind, its own for a namespaced one).
   */
  private static HasMetadata evaluatedCopy(
      GenericKubernetesResource item,
      String groupVersion,
      Kind k,
      PolicyWeight.Caps caps,
      Map<String, Set<String>> heavy) {
    Map<String, Object> extra =
        item.getAdditionalProperties() == null ? Map.of() : item.getAdditionalProperties();
    GenericKubernetesResource kept = new GenericKubernetesResource();
    kept.setApiVersion(groupVersion);
    kept.setKind(k.kind());
    // labels too: Calico's network sets are selected by theirs
    kept.setMetadata(
        new ObjectMetaBuilder()
            .withName(item.getMetadata().getName())
            .withNamespace(item.getMetadata().getNamespace())
            .withLabels(item.getMetadata().getLabels())
            .build());
    long bytes =
        item.getMetadata().getLabels() == null
            ? 0
            : JSON.asJson(item.getMetadata().getLabels()).length();
    for (String field : SPEC_FIELDS) {
      Object spec = extra.get(field);
      if (spec != null) {
        bytes += JSON.asJson(spec).length();
        kept.setAdditionalProperty(field, spec);
      }
    }
    if (bytes > caps.bytesPerPolicy()) {
      // a network set over the cap may be selected from any namespace: every one is incomplete
      (k.crossNamespace()
              ? heavy.computeIfAbsent("", x -> new java.util.TreeSet<>())
              : heavy(heavy, kept))
          .add(
              display(kept)
                  + ": "
                  + bytes
                  + " bytes, over policy.maxBytesPerPolicy ("
                  + caps.bytesPerPolicy()
                  + "): not evaluated");
      return null;
    }
    return kept;
  }

  /** The fields of an evaluated kind that its evaluator reads. */
  private static final List<String> SPEC_FIELDS = List.of("spec", "specs");

  /** {@code Kind ns/name}, or {@code Kind name} for a cluster-scoped object. */
  private static String display(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return o.getKind()
        + " "
        + (ns == null || ns.isEmpty() ? "" : ns + "/")
        + o.getMetadata().getName();
  }

  /** NetworkPolicies a few at a time ({@link #POLICY_PAGE}), each weighed as it comes. */
  private static void policies(
      io.fabric8.kubernetes.client.dsl.Listable<NetworkPolicyList> list, PolicyTally into) {
    String next = null;
    do {
      next = policyPage(list, next, into);
    } while (next != null);
  }

  /**
   * One page, weighed; the next page's token. A page of 1 MB policies is tens of MB parsed: it is
   * held by this call only, so that it is garbage before the next page is read.
   */
  private static String policyPage(
      io.fabric8.kubernetes.client.dsl.Listable<NetworkPolicyList> list,
      String next,
      PolicyTally into) {
    NetworkPolicyList page =
        list.list(new ListOptionsBuilder().withLimit(POLICY_PAGE).withContinue(next).build());
    page.getItems().forEach(into::add);
    return continueOf(page);
  }

  /** The continue token of a page, or null after the last one. */
  private static String continueOf(KubernetesResourceList<?> page) {
    String next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    return next == null || next.isEmpty() ? null : next;
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
      PodList page =
          pods.list(new ListOptionsBuilder().withLimit(POD_PAGE).withContinue(next).build());
      for (Pod pod : page.getItems()) {
        Workload w = Workloads.workload(pod);
        if (w != null) {
          firstPods.computeIfAbsent(w, k -> slim(pod));
        }
      }
      next = continueOf(page);
    } while (next != null);
  }

  /**
   * The foreign policy kinds the API server serves, with their group/version: one discovery call
   * ({@code /apis}), then, only for a group that is there, its resources.
   */
  public static Map<Kind, String> served(KubernetesClient client) {
    // each group's versions, the preferred one first: ClusterNetworkPolicy (v1alpha2) is served
    // beside AdminNetworkPolicy (v1alpha1) in one group
    Map<String, List<String>> groups = new LinkedHashMap<>();
    APIGroupList list = client.getApiGroups();
    for (APIGroup g :
        list == null || list.getGroups() == null ? List.<APIGroup>of() : list.getGroups()) {
      List<String> versions = new ArrayList<>();
      if (g.getPreferredVersion() != null) {
        versions.add(g.getPreferredVersion().getGroupVersion());
      }
      if (g.getVersions() != null) {
        g.getVersions().stream()
            .map(io.fabric8.kubernetes.api.model.GroupVersionForDiscovery::getGroupVersion)
            .filter(v -> !versions.contains(v))
            .forEach(versions::add);
      }
      groups.put(g.getName(), versions);
    }
    Map<Kind, String> out = new LinkedHashMap<>();
    Map<String, Set<String>> resources = new LinkedHashMap<>();
    for (Kind k : ForeignPolicies.KNOWN) {
      for (String groupVersion : groups.getOrDefault(k.group(), List.of())) {
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
          break;
        }
      }
    }
    // where Calico's API server serves projectcalico.org, its kinds are the same objects as
    // crd.projectcalico.org's, read once
    out.keySet()
        .removeIf(
            k ->
                k.group().equals(CALICO_CRD)
                    && out.keySet().stream()
                        .anyMatch(o -> o.group().equals(CALICO_API) && o.kind().equals(k.kind())));
    return out;
  }

  private static final String CALICO_CRD = "crd.projectcalico.org";
  private static final String CALICO_API = "projectcalico.org";

  /**
   * The objects of the foreign policy kinds served: one paged list per kind, of which only names
   * are kept, except the admin policies', which are kept whole (their spec) unless over the
   * per-policy byte cap. A kind the prober may not list (RBAC grants it NetworkPolicies only) goes
   * to {@code unlistable}.
   */
  private static List<HasMetadata> foreign(
      KubernetesClient client,
      Set<String> namespaces,
      Map<Kind, String> served,
      Set<Kind> unlistable,
      PolicyWeight.Caps caps,
      Map<String, Set<String>> heavy) {
    List<HasMetadata> out = new ArrayList<>();
    for (Map.Entry<Kind, String> e : served.entrySet()) {
      Kind k = e.getKey();
      String groupVersion = e.getValue();
      try {
        var resource = client.genericKubernetesResources(context(k, groupVersion));
        List<io.fabric8.kubernetes.client.dsl.Listable<GenericKubernetesResourceList>> listers =
            new ArrayList<>();
        if (!k.namespaced()) {
          listers.add(resource);
        } else if (namespaces == null || k.crossNamespace()) {
          // a re-probe reads every namespace's network sets: another namespace's policy may
          // select them
          listers.add(resource.inAnyNamespace());
        } else {
          // a re-probe of some namespaces reads their namespaced policies only
          namespaces.forEach(ns -> listers.add(resource.inNamespace(ns)));
        }
        for (var lister : listers) {
          listKind(lister, k, groupVersion, caps, heavy, out);
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

  /** How the client addresses a policy kind served at {@code groupVersion}. */
  public static ResourceDefinitionContext context(Kind k, String groupVersion) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(k.group())
        .withVersion(groupVersion.substring(groupVersion.indexOf('/') + 1))
        .withKind(k.kind())
        .withPlural(k.plural())
        .withNamespaced(k.namespaced())
        .build();
  }

  /** Whether the chain evaluates the kind (its objects are then kept whole and watched). */
  public static boolean evaluated(Kind k, String groupVersion) {
    GenericKubernetesResource stub = new GenericKubernetesResource();
    stub.setApiVersion(groupVersion);
    stub.setKind(k.kind());
    return ClusterTiers.evaluated(stub);
  }

  /** One kind's objects, page by page: evaluated kinds kept whole, others by name. */
  private static void listKind(
      io.fabric8.kubernetes.client.dsl.Listable<GenericKubernetesResourceList> lister,
      Kind k,
      String groupVersion,
      PolicyWeight.Caps caps,
      Map<String, Set<String>> heavy,
      List<HasMetadata> out) {
    boolean whole = evaluated(k, groupVersion);
    String next = null;
    do {
      GenericKubernetesResourceList page =
          lister.list(new ListOptionsBuilder().withLimit(POLICY_PAGE).withContinue(next).build());
      for (GenericKubernetesResource item : page.getItems()) {
        if (whole) {
          HasMetadata kept = evaluatedCopy(item, groupVersion, k, caps, heavy);
          if (kept != null) {
            out.add(kept);
          }
          continue;
        }
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
      next = continueOf(page);
    } while (next != null);
  }

  /**
   * The pod's name, namespace, labels, controlling owner, service account and hostNetwork: all a
   * policy decision reads.
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
        .withServiceAccountName(
            pod.getSpec() == null
                ? null
                : pod.getSpec().getServiceAccountName() != null
                    ? pod.getSpec().getServiceAccountName()
                    : pod.getSpec().getServiceAccount())
        .withHostNetwork(
            pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork())
                ? Boolean.TRUE
                : null)
        .endSpec()
        .build();
  }
}
