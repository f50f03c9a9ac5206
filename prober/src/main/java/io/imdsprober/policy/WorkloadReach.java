package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A workload that may reach a metadata destination by policy, reported by its owner with every
 * label set its pods carry (DESIGN.md "Policy coverage"): each label set is decided on its own, so
 * a replica relabelled into an allowing policy, or the one pod an operator labels {@code
 * role=master}, is never hidden behind its siblings. Pure.
 *
 * @param kind the owner's kind ({@code Pod} for a pod of its own)
 * @param name the owner's name
 * @param labelSets every label set the owner's pods carry, reaching or not
 */
public record WorkloadReach(String kind, String name, List<LabelSet> labelSets) {
  public WorkloadReach {
    labelSets = List.copyOf(labelSets);
  }

  /**
   * One label set of a workload.
   *
   * @param labels the labels
   * @param hostNetwork whether these pods run in the node's network namespace
   * @param mayReach the metadata destinations ({@code 169.254.169.254:80/TCP}) it may reach
   * @param by what allows it: the policies ({@code ns/name}), {@code no egress policy}, or {@code
   *     hostNetwork (NetworkPolicy does not apply)}
   */
  public record LabelSet(
      Map<String, String> labels, boolean hostNetwork, List<String> mayReach, List<String> by) {
    public LabelSet {
      labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
      mayReach = List.copyOf(mayReach);
      by = List.copyOf(by);
    }
  }

  /** How many reaching label sets of one owner a {@code mayReach} line names one by one. */
  static final int MAX_NAMED_SETS = 3;

  /**
   * The namespace's workloads folded per owner.
   *
   * @param workloads the owners that may reach some destination
   * @param mayReach one line per such owner, for reasons and reports
   * @param exposes whether some label set may reach a destination where the probe's block was the
   *     policy's
   */
  record Fold(
      List<WorkloadReach> workloads,
      List<String> mayReach,
      boolean exposes,
      List<String> undecided) {}

  /**
   * @param objects the namespace's pods (or workloads) and NetworkPolicies
   * @param metadata the metadata destinations
   * @param policyBlocked the destinations where the probe's block was the policy's
   * @param tiers the cluster's admin and baseline tiers
   */
  static Fold of(
      List<? extends HasMetadata> objects,
      List<Destination> metadata,
      Set<Destination> policyBlocked,
      io.imdsprober.policy.chain.ClusterTiers tiers) {
    Map<String, List<Coverage.Row>> byOwner = new LinkedHashMap<>();
    Coverage coverage = Coverage.of(objects, metadata, tiers);
    for (Coverage.Row row : coverage.workloads()) {
      byOwner.computeIfAbsent(row.workload().key(), k -> new ArrayList<>()).add(row);
    }
    List<WorkloadReach> out = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    boolean exposes = false;
    for (List<Coverage.Row> rows : byOwner.values()) {
      List<LabelSet> sets = new ArrayList<>();
      List<String> parts = new ArrayList<>();
      Set<List<String>> bys = new LinkedHashSet<>();
      int reaching = 0;
      for (Coverage.Row row : rows) {
        List<String> to = new ArrayList<>();
        Set<String> by = new LinkedHashSet<>();
        for (Coverage.Reach r : row.reach()) {
          if (r.decision().outcome() != Outcome.ALLOWED) {
            continue;
          }
          to.add(r.to().word());
          by.addAll(r.decision().by());
          exposes |= policyBlocked.contains(r.to());
        }
        if (row.workload().hostNetwork()) {
          by = Set.of(Coverage.HOST_NETWORK_BY);
        } else if (!to.isEmpty() && by.isEmpty()) {
          by = Set.of("no egress policy");
        }
        Map<String, String> labels = new TreeMap<>(row.workload().labels());
        sets.add(new LabelSet(labels, row.workload().hostNetwork(), to, new ArrayList<>(by)));
        if (!to.isEmpty()) {
          reaching++;
          bys.add(List.copyOf(by));
          parts.add(" with labels " + labels + " by " + String.join(", ", by));
        }
      }
      if (reaching > 0) {
        Coverage.Row first = rows.get(0);
        out.add(new WorkloadReach(first.workload().kind(), first.workload().name(), sets));
        // every label set reaches by the same policies (one set, or a StatefulSet whose pods
        // differ only by their pod-name label): the owner alone says it; otherwise each set
        String kindName = first.workload().kind() + "/" + first.workload().name();
        Set<String> allBy = new LinkedHashSet<>();
        bys.forEach(allBy::addAll);
        if (reaching == rows.size() && bys.size() == 1) {
          lines.add(kindName + " by " + String.join(", ", allBy));
        } else if (parts.size() > MAX_NAMED_SETS) {
          // bounded: the report's workloads list every set
          lines.add(
              kindName
                  + " ("
                  + reaching
                  + " of "
                  + rows.size()
                  + " label sets) by "
                  + String.join(", ", allBy));
        } else {
          lines.add(kindName + String.join(", and", parts));
        }
      }
    }
    return new Fold(out, lines, exposes, coverage.undecided());
  }
}
