package io.imdsprober.pools;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The node pools of a cluster's Linux nodes (DESIGN.md "Scale and freshness": every pool covered
 * each interval), from the labels each platform sets: GKE node pools, EKS managed node groups,
 * Karpenter NodePools, AKS agent pools, else the instance type. A pool is schedulable for the probe
 * when one of its nodes is: not cordoned, matching the probe's node selector, and every NoSchedule
 * or NoExecute taint of it tolerated by the probe's tolerations. Pure.
 *
 * @param byNode each Linux node's pool
 * @param schedulable the pools the probe can be placed in, by name, sorted
 * @param unschedulable the pools none of whose nodes takes the probe, sorted
 */
public record NodePools(
    Map<String, String> byNode, Map<String, Pool> schedulable, List<String> unschedulable) {

  /** A pool, and the node label that selects it. */
  public record Pool(String name, String labelKey, String labelValue) {}

  /** The pool labels, most specific first; the instance type when none is set. */
  public static final List<String> POOL_LABELS =
      List.of(
          "cloud.google.com/gke-nodepool",
          "eks.amazonaws.com/nodegroup",
          "karpenter.sh/nodepool",
          "karpenter.sh/provisioner-name",
          "kubernetes.azure.com/agentpool",
          "agentpool",
          "node.kubernetes.io/instance-type",
          "beta.kubernetes.io/instance-type");

  /** The pool of a node, or null when none of its labels says. */
  public static Pool poolOf(Node node) {
    Map<String, String> labels = labels(node);
    for (String key : POOL_LABELS) {
      String v = labels.get(key);
      if (v != null && !v.isEmpty()) {
        return new Pool(v, key, v);
      }
    }
    return null;
  }

  /**
   * @param nodes the cluster's nodes
   * @param nodeSelector the probe's node selector ({@code probe.nodeSelector})
   * @param tolerations the probe's tolerations ({@code probe.tolerations})
   */
  public static NodePools of(
      List<Node> nodes, Map<String, String> nodeSelector, List<Toleration> tolerations) {
    Map<String, String> byNode = new HashMap<>();
    Map<String, Pool> pools = new TreeMap<>();
    Map<String, Pool> schedulable = new TreeMap<>();
    for (Node n : nodes) {
      Map<String, String> labels = labels(n);
      if (!"linux".equals(labels.getOrDefault("kubernetes.io/os", "linux"))) {
        continue;
      }
      Pool p = poolOf(n);
      if (p == null) {
        continue;
      }
      byNode.put(n.getMetadata().getName(), p.name());
      pools.putIfAbsent(p.name(), p);
      if (takesProbe(n, labels, nodeSelector, tolerations)) {
        schedulable.putIfAbsent(p.name(), p);
      }
    }
    List<String> unschedulable = new ArrayList<>(pools.keySet());
    unschedulable.removeAll(schedulable.keySet());
    return new NodePools(byNode, schedulable, unschedulable);
  }

  private static boolean takesProbe(
      Node n,
      Map<String, String> labels,
      Map<String, String> nodeSelector,
      List<Toleration> tolerations) {
    if (n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable())) {
      return false;
    }
    for (Map.Entry<String, String> e : nodeSelector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    List<Taint> taints = n.getSpec() == null ? null : n.getSpec().getTaints();
    for (Taint t : taints == null ? List.<Taint>of() : taints) {
      if ("PreferNoSchedule".equals(t.getEffect())) {
        continue;
      }
      if (tolerations.stream().noneMatch(tol -> tolerates(tol, t))) {
        return false;
      }
    }
    return true;
  }

  /** The Kubernetes toleration rule: key (or any, with Exists and no key), value, effect. */
  static boolean tolerates(Toleration tol, Taint t) {
    if (tol.getEffect() != null
        && !tol.getEffect().isEmpty()
        && !tol.getEffect().equals(t.getEffect())) {
      return false;
    }
    boolean exists = "Exists".equals(tol.getOperator());
    if (tol.getKey() == null || tol.getKey().isEmpty()) {
      return exists;
    }
    if (!tol.getKey().equals(t.getKey())) {
      return false;
    }
    return exists || Objects.equals(nullToEmpty(tol.getValue()), nullToEmpty(t.getValue()));
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static Map<String, String> labels(Node n) {
    Map<String, String> l = n.getMetadata() == null ? null : n.getMetadata().getLabels();
    return l == null ? Map.of() : l;
  }

  /**
   * Which namespaces' probes are pinned to which pool this sweep, so that every schedulable pool
   * gets one: the pools in order, each to the next namespace from a rotating start (sweep {@code
   * round} starts {@code round} times the number of pools further on), so that over the sweeps
   * every namespace takes its turn. The other probes go wherever the scheduler puts them. With
   * fewer namespaces than pools, the pools take turns as well.
   */
  public Map<String, Pool> placement(List<String> namespaces, long round) {
    Map<String, Pool> out = new HashMap<>();
    if (namespaces.isEmpty() || schedulable.isEmpty()) {
      return out;
    }
    List<Pool> pools = new ArrayList<>(schedulable.values());
    int n = namespaces.size();
    int p = pools.size();
    int start = (int) Math.floorMod(round * p, (long) n);
    // fewer namespaces than pools: the pools take turns too
    int poolStart = n >= p ? 0 : (int) Math.floorMod(round * n, (long) p);
    for (int j = 0; j < Math.min(p, n); j++) {
      out.put(namespaces.get((start + j) % n), pools.get((poolStart + j) % p));
    }
    return out;
  }
}
