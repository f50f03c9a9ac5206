package io.imdsprober.policy.calico;

import io.imdsprober.policy.chain.CniPolicies;
import io.imdsprober.policy.chain.NetworkPolicyFamily;
import io.imdsprober.policy.chain.PolicyFamily;
import io.imdsprober.policy.chain.Subject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calico's policies read once ({@link CalicoReader}): global ones, namespaced ones by namespace,
 * the tiers, the network sets; what cannot be read, and the staged objects, which never enforce.
 * The tiers and policies that act on each namespace's pods are put in order once per namespace.
 * Pure (the per-namespace order is a cache of a pure function).
 */
final class CalicoPolicies implements CniPolicies {
  /**
   * One policy in a tier's order, or (policy null) the namespace's Kubernetes NetworkPolicies,
   * which Calico evaluates as policies of the default tier with order 1000 named {@code
   * knp.default.<name>} (libcalico-go {@code conversion}, K8sNetworkPolicyNamePrefix).
   */
  record Entry(CalicoPolicy policy, Double order, String key) {}

  /** A tier that acts on a namespace's pods, its entries in order. */
  record Run(CalicoTier tier, List<Entry> entries) {}

  static final double KUBERNETES_ORDER = 1000;

  private static final Comparator<Entry> ORDER =
      Comparator.comparing(Entry::order, Comparator.nullsLast(Comparator.<Double>naturalOrder()))
          .thenComparing(Entry::key);

  private final Map<String, CalicoTier> tiers;
  private final List<CalicoPolicy> global;
  private final Map<String, List<CalicoPolicy>> byNamespace;
  private final NetworkSets sets;
  private final Map<String, String> invalid;
  private final List<String> reported;
  private final Map<String, List<Run>> runs = new ConcurrentHashMap<>();

  CalicoPolicies(
      Map<String, CalicoTier> tiers,
      List<CalicoPolicy> global,
      Map<String, List<CalicoPolicy>> byNamespace,
      NetworkSets sets,
      Map<String, String> invalid,
      List<String> reported) {
    this.tiers = tiers;
    this.global = List.copyOf(global);
    this.byNamespace = byNamespace;
    this.sets = sets;
    this.invalid = invalid;
    this.reported = List.copyOf(reported);
  }

  @Override
  public boolean enforces() {
    return !global.isEmpty()
        || byNamespace.values().stream().anyMatch(l -> !l.isEmpty())
        || !invalid.isEmpty();
  }

  @Override
  public String cni() {
    return "Calico";
  }

  @Override
  public PolicyFamily over(NetworkPolicyFamily networkPolicies) {
    return new CalicoFamily(this, networkPolicies);
  }

  @Override
  public boolean selectsOwn(Subject pod) {
    Endpoint e = Endpoint.of(pod);
    for (CalicoPolicy p : policies(pod.namespace())) {
      if (!Boolean.FALSE.equals(p.selects(e))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Map<String, String> invalid() {
    return invalid;
  }

  @Override
  public List<String> reported() {
    return reported;
  }

  NetworkSets sets() {
    return sets;
  }

  /** The global policies and the namespace's. */
  List<CalicoPolicy> policies(String namespace) {
    List<CalicoPolicy> own = byNamespace.getOrDefault(namespace, List.of());
    if (own.isEmpty()) {
      return global;
    }
    List<CalicoPolicy> out = new ArrayList<>(global);
    out.addAll(own);
    return out;
  }

  /**
   * Why a policy's tier has no place in the order (no Tier of that name among the objects read, or
   * one that cannot be read), or null when it has one.
   */
  String unplaced(CalicoPolicy p) {
    CalicoTier t = tier(p.tier());
    if (t == null) {
      return "spec.tier '"
          + p.tier()
          + "': no Tier of that name among the objects read, so its order and defaultAction are"
          + " not known";
    }
    return t.problem() == null ? null : t.display() + " is invalid: " + t.problem();
  }

  private CalicoTier tier(String name) {
    CalicoTier t = tiers.get(name);
    return t == null && CalicoTier.DEFAULT.equals(name) ? CalicoTier.DEFAULT_TIER : t;
  }

  /** The tiers that act on the namespace's pods, in order, each with its entries in order. */
  List<Run> runs(String namespace) {
    return runs.computeIfAbsent(namespace, this::order);
  }

  private List<Run> order(String namespace) {
    Map<String, List<Entry>> byTier = new java.util.HashMap<>();
    for (CalicoPolicy p : policies(namespace)) {
      if (unplaced(p) == null) {
        byTier
            .computeIfAbsent(p.tier(), t -> new ArrayList<>())
            .add(new Entry(p, p.order(), p.sortKey()));
      }
    }
    byTier
        .computeIfAbsent(CalicoTier.DEFAULT, t -> new ArrayList<>())
        .add(new Entry(null, KUBERNETES_ORDER, namespace + "/knp.default."));
    List<Run> out = new ArrayList<>();
    byTier.forEach(
        (name, entries) -> {
          entries.sort(ORDER);
          out.add(new Run(tier(name), List.copyOf(entries)));
        });
    out.sort(Comparator.comparing(Run::tier, CalicoTier.ORDER));
    return List.copyOf(out);
  }
}
