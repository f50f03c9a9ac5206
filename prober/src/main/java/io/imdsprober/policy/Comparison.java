package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.imdsprober.facts.FactWord;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.chain.ClusterTiers;
import io.imdsprober.policy.chain.PolicyChain;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One namespace's prediction by policy set against what its probe observed (DESIGN.md "Policy
 * coverage", in a sweep), destination by destination: each metadata target (IPv4 and IPv6 apart)
 * gets the probe pod's own prediction and the probe's observation, and they are compared there,
 * never folded into "some target allowed" first (a policy that also allows {@code ::/0} must not
 * turn an IPv4 disagreement into silence). Pure: the caller gives the namespace's pods and
 * NetworkPolicies, the probe pod's labels, the probe's verdict and facts, and the policy kinds
 * found that the evaluator does not know.
 *
 * <p>Per destination D: the policy denies D to the probe and the probe reached D: {@code
 * not-enforced}. The policy allows D and the probe found D blocked: {@code blocked-elsewhere} (a
 * workload's reach to D is then drift, not exposure). The probe found D blocked and the policy does
 * not allow it (denied, or undecided because of an unreadable policy): the block is the policy's,
 * so a workload label set that may reach D makes the namespace {@code exposed}. An IPv6 D that the
 * pod cannot route at all ({@link Observed#NO_IPV6}) tests nothing and is not compared: a workload
 * allowed there is listed, not an exposure (a hostNetwork one included: whether the node has IPv6
 * is not known, and claiming it would page every IPv4-only cluster).
 *
 * @param drift the disagreements that hold (the {@code kind} label of {@code
 *     imds_prober_policy_drift})
 * @param mayReach the workloads that may reach a metadata target by policy, one entry per owner:
 *     {@code Kind/name by ns/policy, ...}, with the label set named where the owner's pods carry
 *     more than one
 * @param exposed whether the namespace is {@code exposed} by policy: for some destination the probe
 *     was blocked by its policy and some workload may reach it (the probe was not representative)
 * @param probeTargeted the policies ({@code ns/name}) whose pod selector names the probe's own
 *     labels
 * @param probeAllowed what the policies say for the probe pod over all targets (allowed when one is
 *     allowed, unknown when one is unknown and none allowed): a summary for the report; the
 *     comparison itself reads {@code targets}
 * @param unknownKinds the policy kinds the evaluator does not read that may act on the namespace
 *     (the prediction is then incomplete: no drift or exposure is claimed from it)
 * @param targets per metadata destination, the probe's prediction and observation
 * @param workloads the workloads that may reach a metadata target, with every label set they carry
 * @param invalid the policies the evaluator cannot read, each as {@code ns/name: why}: invalid to
 *     it, or holding an IPv4-mapped IPv6 block whose IPv4 reading (a CNI's, not the API server's)
 *     holds a metadata target ({@link EgressPolicies#mapped})
 * @param undecided why the namespace's NetworkPolicies were not read at all: a policy or the
 *     namespace over a weight cap ({@link PolicyWeight}), named with the cap. The prediction is
 *     then incomplete: no target is predicted ({@code unknown}), no workload is listed, and no
 *     drift or exposure is claimed from it. Or, when they were read, what the precedence chain
 *     could not decide ({@link PolicyChain}: a node peer, equal priorities, an invalid admin
 *     policy), each naming the object, rule and field: only those decisions are unknown
 */
public record Comparison(
    Set<Drift> drift,
    List<String> mayReach,
    boolean exposed,
    List<String> probeTargeted,
    Outcome probeAllowed,
    List<String> unknownKinds,
    List<Target> targets,
    List<WorkloadReach> workloads,
    List<String> invalid,
    List<String> undecided) {

  /** A disagreement between prediction and observation, or a reason not to trust either. */
  public enum Drift implements FactWord {
    /** The policy blocks the probe, the probe reached the endpoint: the CNI does not enforce it. */
    NOT_ENFORCED,
    /** The policy allows the probe, the probe was blocked: safe for a reason no policy states. */
    BLOCKED_ELSEWHERE,
    /** A policy's pod selector names the probe's labels: it exists to treat the probe apart. */
    PROBE_TARGETED,
    /**
     * Policy kinds the evaluator does not know exist, or the namespace's NetworkPolicies are over a
     * weight cap: the prediction is not trusted.
     */
    INCOMPLETE,
    /**
     * A NetworkPolicy the evaluator cannot read (named): the pods it may select get no certain
     * denial, what other policies allow stands.
     */
    INVALID
  }

  /**
   * One metadata destination for the probe pod.
   *
   * @param to the destination
   * @param probe what the policies say for the probe pod
   * @param observed what the probe saw
   */
  public record Target(Destination to, Outcome probe, Observed observed) {}

  public Comparison {
    drift = Set.copyOf(drift);
    mayReach = List.copyOf(mayReach);
    probeTargeted = List.copyOf(probeTargeted);
    unknownKinds = List.copyOf(unknownKinds);
    targets = List.copyOf(targets);
    workloads = List.copyOf(workloads);
    invalid = List.copyOf(invalid);
    undecided = List.copyOf(undecided);
  }

  /** Without per-target answers, workloads or invalid policies (a summary, as tests give it). */
  public Comparison(
      Set<Drift> drift,
      List<String> mayReach,
      boolean exposed,
      List<String> probeTargeted,
      Outcome probeAllowed,
      List<String> unknownKinds) {
    this(
        drift,
        mayReach,
        exposed,
        probeTargeted,
        probeAllowed,
        unknownKinds,
        List.of(),
        List.of(),
        List.of(),
        List.of());
  }

  /**
   * Whether a selector term names the probe: any {@code imds-prober.io/*} key, or {@code
   * app.kubernetes.io/name} with the value {@code imds-probe} (in or not in, both count; {@code
   * Exists} on {@code app.kubernetes.io/name} is everyone's label, not the probe's).
   */
  static boolean probeKey(String key, String value) {
    return key != null
        && (key.startsWith("imds-prober.io/")
            || ("app.kubernetes.io/name".equals(key) && "imds-probe".equals(value)));
  }

  /**
   * @param namespace the namespace
   * @param observed the probe's verdict (anything but exposed, reachable, protected and degraded
   *     means no trusted facts: nothing is compared)
   * @param facts the probe's metadata facts, one per target
   * @param probeLabels the labels the probe pod carried
   * @param objects the namespace's pods (or workloads) and NetworkPolicies
   * @param metadata the metadata targets probed, as destinations
   * @param unknownKinds policy kinds in the cluster that the evaluator does not know
   */
  public static Comparison of(
      String namespace,
      Verdict observed,
      List<MetadataFact> facts,
      Map<String, String> probeLabels,
      List<? extends HasMetadata> objects,
      List<Destination> metadata,
      List<String> unknownKinds) {
    return of(
        namespace,
        observed,
        facts,
        probeLabels,
        objects,
        metadata,
        unknownKinds,
        List.of(),
        ClusterTiers.NONE);
  }

  /**
   * The same under the cluster's admin and baseline tiers ({@link ClusterTiers}): each decision is
   * the precedence chain's. What a tier cannot decide (a node peer, equal priorities, an invalid
   * object that may select a pod) makes only those decisions unknown; it is named in {@code
   * undecided} and the namespace gets {@link Drift#INCOMPLETE}, while what is certain (a workload
   * allowed, a probe denied) still counts.
   *
   * @param undecided why the namespace's NetworkPolicies were not read (a weight cap; empty: they
   *     were)
   * @param tiers the admin and baseline tiers, read once for the whole cluster
   */
  public static Comparison of(
      String namespace,
      Verdict observed,
      List<MetadataFact> facts,
      Map<String, String> probeLabels,
      List<? extends HasMetadata> objects,
      List<Destination> metadata,
      List<String> unknownKinds,
      List<String> undecided,
      ClusterTiers tiers) {
    if (!undecided.isEmpty()) {
      return unread(observed, facts, metadata, unknownKinds, undecided);
    }
    List<NetworkPolicy> policies = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof NetworkPolicy p) {
        policies.add(p);
      }
    }
    Set<Drift> drift = EnumSet.noneOf(Drift.class);
    List<String> targeted = new ArrayList<>();
    for (NetworkPolicy p : policies) {
      if (p.getSpec() != null && namesProbe(p.getSpec().getPodSelector())) {
        targeted.add(namespace + "/" + p.getMetadata().getName());
      }
    }
    if (!targeted.isEmpty()) {
      drift.add(Drift.PROBE_TARGETED);
    }
    boolean incomplete = !unknownKinds.isEmpty();
    if (incomplete) {
      drift.add(Drift.INCOMPLETE);
    }
    EgressPolicies eval = new EgressPolicies(policies);
    PolicyChain chain = tiers.chain(eval);
    List<String> invalid = new ArrayList<>();
    new TreeMap<>(eval.invalid()).forEach((name, why) -> invalid.add(name + ": " + why));
    new TreeMap<>(tiers.invalid()).forEach((name, why) -> invalid.add(name + ": " + why));
    new TreeMap<>(eval.mapped(metadata)).forEach((name, why) -> invalid.add(name + ": " + why));
    if (!invalid.isEmpty()) {
      drift.add(Drift.INVALID);
    }

    boolean judged =
        observed == Verdict.EXPOSED
            || observed == Verdict.REACHABLE
            || observed == Verdict.PROTECTED
            || observed == Verdict.DEGRADED;
    List<Target> targets = new ArrayList<>();
    Set<String> unsure = new java.util.LinkedHashSet<>();
    for (Destination d : metadata) {
      Observed seen = judged ? Observed.of(factFor(facts, d), ipv6(d)) : Observed.NONE;
      PolicyChain.Said said = chain.decide(tiers.subject(namespace, probeLabels, "default"), d);
      unsure.addAll(said.undecided());
      targets.add(new Target(d, said.decision().outcome(), seen));
    }

    // per destination: is a block there the policy's (a workload allowed there is an exposure)?
    Set<Destination> policyBlocked = new java.util.HashSet<>();
    for (Target t : targets) {
      if (t.observed() == Observed.REACHED && t.probe() == Outcome.DENIED) {
        drift.add(Drift.NOT_ENFORCED);
      } else if (t.observed() == Observed.BLOCKED && t.probe() == Outcome.ALLOWED) {
        drift.add(Drift.BLOCKED_ELSEWHERE);
      } else if (t.observed() == Observed.BLOCKED) {
        policyBlocked.add(t.to());
      }
    }
    if (incomplete) {
      // another kind may deny or allow what NetworkPolicy says: claim no drift from it
      drift.removeAll(EnumSet.of(Drift.NOT_ENFORCED, Drift.BLOCKED_ELSEWHERE));
    }

    WorkloadReach.Fold fold = WorkloadReach.of(objects, metadata, policyBlocked, tiers);
    unsure.addAll(fold.undecided());
    if (!unsure.isEmpty()) {
      drift.add(Drift.INCOMPLETE);
    }
    boolean exposed = !incomplete && fold.exposes();
    return new Comparison(
        drift,
        fold.mayReach(),
        exposed,
        targeted,
        summary(targets),
        unknownKinds,
        targets,
        fold.workloads(),
        invalid,
        new ArrayList<>(unsure));
  }

  /**
   * A namespace whose policies were not read (over a weight cap): incomplete, each target's
   * prediction unknown beside what the probe saw, no workload listed.
   */
  private static Comparison unread(
      Verdict observed,
      List<MetadataFact> facts,
      List<Destination> metadata,
      List<String> unknownKinds,
      List<String> undecided) {
    boolean judged =
        observed == Verdict.EXPOSED
            || observed == Verdict.REACHABLE
            || observed == Verdict.PROTECTED
            || observed == Verdict.DEGRADED;
    List<Target> targets = new ArrayList<>();
    for (Destination d : metadata) {
      Observed seen = judged ? Observed.of(factFor(facts, d), ipv6(d)) : Observed.NONE;
      targets.add(new Target(d, Outcome.UNKNOWN, seen));
    }
    return new Comparison(
        EnumSet.of(Drift.INCOMPLETE),
        List.of(),
        false,
        List.of(),
        Outcome.UNKNOWN,
        unknownKinds,
        targets,
        List.of(),
        List.of(),
        undecided);
  }

  /** Allowed when one target is, unknown when one is and none allowed, denied otherwise. */
  private static Outcome summary(List<Target> targets) {
    Outcome out = Outcome.DENIED;
    for (Target t : targets) {
      if (t.probe() == Outcome.ALLOWED) {
        return Outcome.ALLOWED;
      }
      if (t.probe() == Outcome.UNKNOWN) {
        out = Outcome.UNKNOWN;
      }
    }
    return out;
  }

  private static boolean ipv6(Destination d) {
    return d.ip().getAddress().length == 16;
  }

  /** The fact whose {@code host:port} is {@code d}'s address and port, or null. */
  private static MetadataFact factFor(List<MetadataFact> facts, Destination d) {
    for (MetadataFact m : facts == null ? List.<MetadataFact>of() : facts) {
      try {
        Destination f = Destinations.parse(m.target());
        if (f.ip().equals(d.ip()) && f.port() == d.port()) {
          return m;
        }
      } catch (IllegalArgumentException notAnIp) {
        // a target the policy check does not judge
      }
    }
    return null;
  }

  /** Whether a pod selector names the probe's own labels (matchLabels or any expression). */
  private static boolean namesProbe(LabelSelector selector) {
    if (selector == null) {
      return false;
    }
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (probeKey(e.getKey(), e.getValue())) {
          return true;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        if (values.isEmpty()
            ? probeKey(r.getKey(), null)
            : values.stream().anyMatch(v -> probeKey(r.getKey(), v))) {
          return true;
        }
      }
    }
    return false;
  }
}
