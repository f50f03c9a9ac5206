package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.imdsprober.policy.EgressPolicies.Decision;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.Workloads.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every workload's reach to each destination by policy: the {@code policy} mode's result. Pure.
 *
 * @param workloads one row per workload, with a decision per destination
 * @param invalid the invalid policies, {@code namespace/name} to what is wrong
 */
public record Coverage(List<Row> workloads, Map<String, String> invalid) {
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

  /** Evaluates the NetworkPolicies among {@code objects} for the workloads among them. */
  public static Coverage of(List<? extends HasMetadata> objects, List<Destination> to) {
    List<NetworkPolicy> policies = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof NetworkPolicy p) {
        policies.add(p);
      }
    }
    EgressPolicies eval = new EgressPolicies(policies);
    List<Row> rows = new ArrayList<>();
    // evaluated once per distinct (namespace, labels): many workloads share their labels
    Map<List<Object>, Decision> decided = new java.util.HashMap<>();
    for (Workload w : Workloads.of(objects)) {
      List<Reach> reach = new ArrayList<>();
      boolean isolated = false;
      for (Destination d : to) {
        Decision decision =
            w.hostNetwork()
                ? HOST_NETWORK
                : decided.computeIfAbsent(
                    List.of(w.namespace(), w.labels(), d),
                    k -> eval.decide(w.namespace(), w.labels(), d));
        isolated |= decision.isolated();
        reach.add(new Reach(d, decision));
      }
      rows.add(new Row(w, isolated, reach));
    }
    return new Coverage(rows, eval.invalid());
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
