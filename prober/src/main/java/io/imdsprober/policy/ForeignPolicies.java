package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Policy kinds the evaluator does not read (DESIGN.md "Policy coverage"): where one exists, the
 * prediction from NetworkPolicies alone is incomplete, never trusted. A namespaced kind makes its
 * own namespace incomplete; a cluster-wide kind, or a kind the prober may not list, makes every
 * namespace incomplete. Pure: the objects come from the edge.
 *
 * @param byNamespace per namespace, the names of the foreign kinds found there
 * @param everywhere foreign kinds that may act on every namespace
 */
public record ForeignPolicies(Map<String, Set<String>> byNamespace, Set<String> everywhere) {

  /** A policy kind of a CNI or of SIG Network's admin policy API. */
  public record Kind(String group, String kind, String plural, boolean namespaced) {
    /**
     * Whether policies of other namespaces may select its objects, so that one acts beyond its own
     * namespace: Calico's NetworkSet (a GlobalNetworkPolicy rule's selector without a
     * namespaceSelector matches network sets of every namespace).
     */
    public boolean crossNamespace() {
      return namespaced && kind.equals("NetworkSet");
    }

    /** How the report names it: {@code CiliumNetworkPolicy (cilium.io)}. */
    public String display() {
      return kind + " (" + group + ")";
    }
  }

  /** The kinds looked for: Cilium, Calico (CRD and API server), Antrea, AdminNetworkPolicy. */
  public static final List<Kind> KNOWN =
      List.of(
          new Kind("cilium.io", "CiliumNetworkPolicy", "ciliumnetworkpolicies", true),
          new Kind(
              "cilium.io",
              "CiliumClusterwideNetworkPolicy",
              "ciliumclusterwidenetworkpolicies",
              false),
          new Kind("crd.projectcalico.org", "NetworkPolicy", "networkpolicies", true),
          new Kind("crd.projectcalico.org", "GlobalNetworkPolicy", "globalnetworkpolicies", false),
          new Kind("projectcalico.org", "NetworkPolicy", "networkpolicies", true),
          new Kind("projectcalico.org", "GlobalNetworkPolicy", "globalnetworkpolicies", false),
          // what orders Calico's policies, what their selectors may select, and the staged kinds
          // (reported, never enforcing)
          new Kind("crd.projectcalico.org", "Tier", "tiers", false),
          new Kind("projectcalico.org", "Tier", "tiers", false),
          new Kind("crd.projectcalico.org", "GlobalNetworkSet", "globalnetworksets", false),
          new Kind("projectcalico.org", "GlobalNetworkSet", "globalnetworksets", false),
          new Kind("crd.projectcalico.org", "NetworkSet", "networksets", true),
          new Kind("projectcalico.org", "NetworkSet", "networksets", true),
          new Kind("crd.projectcalico.org", "StagedNetworkPolicy", "stagednetworkpolicies", true),
          new Kind("projectcalico.org", "StagedNetworkPolicy", "stagednetworkpolicies", true),
          new Kind(
              "crd.projectcalico.org",
              "StagedGlobalNetworkPolicy",
              "stagedglobalnetworkpolicies",
              false),
          new Kind(
              "projectcalico.org",
              "StagedGlobalNetworkPolicy",
              "stagedglobalnetworkpolicies",
              false),
          new Kind(
              "crd.projectcalico.org",
              "StagedKubernetesNetworkPolicy",
              "stagedkubernetesnetworkpolicies",
              true),
          new Kind(
              "projectcalico.org",
              "StagedKubernetesNetworkPolicy",
              "stagedkubernetesnetworkpolicies",
              true),
          new Kind("crd.antrea.io", "NetworkPolicy", "networkpolicies", true),
          new Kind("crd.antrea.io", "ClusterNetworkPolicy", "clusternetworkpolicies", false),
          new Kind("policy.networking.k8s.io", "AdminNetworkPolicy", "adminnetworkpolicies", false),
          new Kind(
              "policy.networking.k8s.io",
              "BaselineAdminNetworkPolicy",
              "baselineadminnetworkpolicies",
              false),
          new Kind(
              "policy.networking.k8s.io", "ClusterNetworkPolicy", "clusternetworkpolicies", false));

  /** None found: every prediction is complete. */
  public static final ForeignPolicies NONE = new ForeignPolicies(Map.of(), Set.of());

  /** The known kind of an object, by its apiVersion's group and its kind. */
  public static Optional<Kind> kindOf(HasMetadata o) {
    String apiVersion = o.getApiVersion();
    if (apiVersion == null || !apiVersion.contains("/")) {
      return Optional.empty();
    }
    String group = apiVersion.substring(0, apiVersion.indexOf('/'));
    return KNOWN.stream()
        .filter(k -> k.group().equals(group) && k.kind().equals(o.getKind()))
        .findFirst();
  }

  /**
   * @param objects any objects; those of a known foreign kind count
   * @param unlistable foreign kinds that exist but could not be listed: they count everywhere
   */
  public static ForeignPolicies of(
      Collection<? extends HasMetadata> objects, Set<Kind> unlistable) {
    Map<String, Set<String>> byNamespace = new TreeMap<>();
    Set<String> everywhere = new TreeSet<>();
    for (Kind k : unlistable) {
      everywhere.add(k.display() + ", not listable");
    }
    for (HasMetadata o : objects) {
      Optional<Kind> k = kindOf(o);
      if (k.isEmpty()) {
        continue;
      }
      String ns = o.getMetadata() == null ? null : o.getMetadata().getNamespace();
      if (k.get().namespaced()) {
        byNamespace
            .computeIfAbsent(ns == null || ns.isEmpty() ? "default" : ns, x -> new TreeSet<>())
            .add(k.get().display());
      } else {
        everywhere.add(k.get().display());
      }
    }
    return new ForeignPolicies(byNamespace, everywhere);
  }

  /** The foreign kinds that may act on {@code namespace}, sorted; empty when complete. */
  public List<String> in(String namespace) {
    Set<String> out = new TreeSet<>(everywhere);
    out.addAll(byNamespace.getOrDefault(namespace, Set.of()));
    return new ArrayList<>(out);
  }

  /** Whether no foreign kind was found anywhere. */
  public boolean isEmpty() {
    return everywhere.isEmpty() && byNamespace.isEmpty();
  }
}
