package io.imdsprober.cli;

import io.fabric8.kubernetes.api.model.Node;
import io.imdsprober.facts.Profile;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.sweep.Cluster;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The default destinations of {@code policy} on a live cluster with {@code metadata.profile: auto}:
 * the metadata targets of every cloud the nodes' {@code spec.providerID} names (a mixed cluster
 * gets each cloud's), or the whole catalog when a node names none that is known, or when nodes may
 * not be listed. Pure.
 */
public final class NodeDestinations {
  private NodeDestinations() {}

  /** The destinations, and a line saying where they come from. */
  public record Chosen(List<Destination> destinations, String why) {}

  /**
   * @param nodes the nodes, or null when they could not be listed
   */
  public static Chosen of(List<Node> nodes) {
    if (nodes == null || nodes.isEmpty()) {
      return new Chosen(
          Destinations.catalog(),
          "every metadata target of the catalog (no node "
              + (nodes == null ? "listable" : "listed")
              + ")");
    }
    Set<Profile> clouds = EnumSet.noneOf(Profile.class);
    for (Node n : nodes) {
      clouds.add(Cluster.fromProviderId(n.getSpec() == null ? null : n.getSpec().getProviderID()));
    }
    if (clouds.contains(Profile.GENERIC)) {
      return new Chosen(
          Destinations.catalog(),
          "every metadata target of the catalog (a node's spec.providerID names no known cloud)");
    }
    Set<Destination> out = new LinkedHashSet<>();
    List<String> names = new ArrayList<>();
    for (Profile p : clouds) {
      out.addAll(Destinations.of(p));
      names.add(p.name().toLowerCase(java.util.Locale.ROOT));
    }
    return new Chosen(
        List.copyOf(out),
        "the metadata targets of "
            + String.join(", ", names)
            + " (spec.providerID of "
            + nodes.size()
            + " node(s))");
  }
}
