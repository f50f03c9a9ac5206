package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.imdsprober.policy.EgressPolicies.Decision;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.Workloads.Workload;
import io.imdsprober.policy.chain.ClusterTiers;
import io.imdsprober.policy.chain.PolicyChain;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every workload's reach to each destination by policy: the {@code policy} mode's result. Pure.
 *
 * @param workloads one row per workload, with a decision per destination
 * @param invalid the invalid policies, {@code namespace/name} (or {@code Kind name} for a
 *     cluster-wide kind) to what is wrong
 * @param undecided why some decisions have no answer (a rule not decidable for an IP destination,
 *     equal priorities), each naming the object, rule and field
 */
public record Coverage(List<Row> workloads, Map<String, String> invalid, List<String> undecided) {
  public Coverage {
    undecided = List.copyOf(undecided);
  }

  /** Without undecided reasons. */
  public Coverage(List<Row> workloads, Map<String, String> invalid) {
    this(workloads, invalid, List.of());
  }

  /** One workload and its decisions, in the destinations' order. */
  public record Row(Workload workload, boolean isolated, List<Reach> reach) {}

  /** One destination's decision for a workload. */
  public record Reach(Destination to, Decision decision) {}

  /**
   * A hostNetwork pod's decision for every destination: NetworkPolicy does not apply to a pod in
   * the node's network namespace, so it may reach whatever the node may reach (no policy names it,
   * and no NetworkPolicy can close it).
   */
  public static final Decision HOST_NETWORK =
      new Decision(false, Outcome.ALLOWED, List.of(), List.of());

  /** What reports write for a hostNetwork workload's allowing policies. */
  public static final String HOST_NETWORK_BY = "hostNetwork (NetworkPolicy does not apply)";

  /**
   * Evaluates the policies among {@code objects} (NetworkPolicies, and the admin and baseline
   * tiers: {@link ClusterTiers}) for the workloads among them.
   */
  public static Coverage of(List<? extends HasMetadata> objects, List<Destination> to) {
    return of(objects, to, ClusterTiers.of(objects));
  }

  /**
   * Evaluates the NetworkPolicies among {@code objects}, under the cluster's admin and baseline
   * tiers, for the workloads among them.
   */
  public static Coverage of(
      List<? extends HasMetadata> objects, List<Destination> to, ClusterTiers tiers) {
    List<NetworkPolicy> policies = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof NetworkPolicy p) {
        policies.add(p);
      }
    }
    EgressPolicies eval = new EgressPolicies(policies);
    PolicyChain chain = tiers.chain(eval);
    List<Row> rows = new ArrayList<>();
    Set<String> undecided = new LinkedHashSet<>();
    // evaluated once per distinct (namespace, labels, service account): many workloads share
    // their labels, and a CNI's policy may select by the service account
    Map<List<Object>, Decision> decided = new java.util.HashMap<>();
    for (Workload w : Workloads.of(objects)) {
      List<Reach> reach = new ArrayList<>();
      boolean isolated = false;
      for (Destination d : to) {
        Decision decision =
            w.hostNetwork()
                ? HOST_NETWORK
                : decided.computeIfAbsent(
                    List.of(w.namespace(), w.labels(), String.valueOf(w.serviceAccount()), d),
                    k -> {
                      PolicyChain.Said said =
                          chain.decide(
                              tiers.subject(w.namespace(), w.labels(), w.serviceAccount()), d);
                      undecided.addAll(said.undecided());
                      return said.decision();
                    });
        isolated |= decision.isolated();
        reach.add(new Reach(d, decision));
      }
      rows.add(new Row(w, isolated, reach));
    }
    Map<String, String> invalid = new LinkedHashMap<>(eval.invalid());
    invalid.putAll(tiers.invalid());
    return new Coverage(rows, invalid, new ArrayList<>(undecided));
  }

  /**
   * Whether some workload may reach some destination, or cannot be judged because an invalid policy
   * selects it (never counted as blocked).
   */
  public boolean anyReach() {
    return workloads.stream()
        .flatMap(r -> r.reach().stream())
        .anyMatch(r -> r.decision().outcome() != Outcome.DENIED);
  }
}
