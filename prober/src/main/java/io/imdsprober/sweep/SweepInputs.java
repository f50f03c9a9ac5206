package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.policy.ForeignPolicies.Kind;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a sweep reads before its probes start: namespaces, nodes, and the objects a policy decision
 * reads. A full sweep asks the API server for all of it and remembers the nodes and the discovery
 * of foreign policy kinds; a re-probe after a change takes those from the last full sweep, and the
 * namespaces and NetworkPolicies from the watch that saw the change (it holds them as they are
 * now), so it asks the API server only for its namespaces' pods. Whatever is not known yet (before
 * the first full sweep, before the watch has listed, or with {@code namespaces.selector} set, which
 * the API server applies) is asked for.
 */
final class SweepInputs {
  /** What the last full sweep read that a re-probe may reuse (shared by sweepers that share). */
  static final class Remembered {
    private volatile List<Node> nodes;
    private volatile Map<Kind, String> served;
  }

  private final ProbeApi api;
  private final Config config;
  private final Remembered remembered;
  private volatile WatchedObjects watched;

  SweepInputs(ProbeApi api, Config config, Remembered remembered) {
    this.api = api;
    this.config = config;
    this.remembered = remembered;
  }

  void watch(WatchedObjects watched) {
    this.watched = watched;
  }

  /** The namespaces; a re-probe's from the watch when it can. */
  List<Namespace> namespaces(boolean full) {
    WatchedObjects w = watched;
    if (!full && w != null && config.get(Keys.NAMESPACE_SELECTOR).isEmpty()) {
      List<Namespace> held = w.namespaces().get();
      if (held != null) {
        return held;
      }
    }
    return api.namespaces();
  }

  /** The nodes; a re-probe's those of the last full sweep (slim copies) when there was one. */
  List<Node> nodes(boolean full) {
    List<Node> known = remembered.nodes;
    if (!full && known != null) {
      return known;
    }
    List<Node> nodes = api.nodes();
    if (full) {
      remembered.nodes = nodes.stream().map(SweepInputs::slim).toList();
    }
    return nodes;
  }

  /**
   * A node's name, labels and spec: all the profile and the node pools read (its status, with
   * images and conditions, is most of a Node's size, and thousands of nodes are kept between
   * sweeps).
   */
  private static Node slim(Node node) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(node.getMetadata().getName())
        .withLabels(node.getMetadata().getLabels())
        .endMetadata()
        .withSpec(node.getSpec())
        .build();
  }

  /**
   * The pods and policies of {@code only} (every namespace when null); a full sweep's discovery of
   * foreign policy kinds is remembered.
   *
   * @throws SweepException when the API server does not answer
   */
  ClusterPolicies.Listing policies(Set<String> only) {
    WatchedObjects w = watched;
    List<? extends HasMetadata> held = only == null || w == null ? null : w.policies().apply(only);
    ClusterPolicies.Listing listing =
        api.workloadsAndPolicies(only, held, only == null ? null : remembered.served);
    if (only == null) {
      remembered.served = listing.served();
    }
    return listing;
  }
}
