package io.imdsprober.policy.cilium;

import io.imdsprober.util.IpLiteral;
import java.net.InetAddress;
import java.util.Map;
import java.util.Set;

/**
 * What each {@code toEntities} entity holds of an IP destination. Cilium gives an address outside
 * the cluster the {@code world} identity; a metadata service's address (169.254.169.254,
 * fd00:ec2::254, 100.100.100.200, 168.63.129.16) is no pod's and, as far as this evaluator knows,
 * no node's, so it is {@code world}. Any other address may be a node's, a pod's or the world's:
 * only {@code all} and {@code none} are certain for it.
 *
 * <table>
 *   <caption>Entities and a metadata address</caption>
 *   <tr><th>entity</th><th>holds 169.254.169.254?</th><th>source</th></tr>
 *   <tr><td>all</td><td>yes (every identity)</td><td>[L3] "all ... whitelists all
 *       communication"; pkg/policy/api/entity.go EntityAll = WildcardEndpointSelector</td></tr>
 *   <tr><td>world</td><td>yes, IPv4 and IPv6</td><td>[L3] "all endpoints outside of the
 *       cluster ... identical to allowing to CIDR 0.0.0.0/0"; entity.go EntityWorld = world,
 *       world-ipv4, world-ipv6</td></tr>
 *   <tr><td>world-ipv4 / world-ipv6</td><td>its own family only, and only in a dual-stack
 *       cluster (single-stack gives the plain {@code world} identity): not known for its family,
 *       no for the other</td><td>entity.go; cidr_test.go TestGetAsEndpointSelectors ("ipv4 in
 *       ipv4 only" selects reserved:world, not world-ipv4)</td></tr>
 *   <tr><td>host, remote-node, cluster, kube-apiserver, health, init, ingress, unmanaged,
 *       none</td><td>no: these are the nodes, the cluster's endpoints and the API server, not an
 *       address outside the cluster</td><td>[L3] "Entities based" definitions</td></tr>
 * </table>
 *
 * [L3] https://docs.cilium.io/en/stable/security/policy/language/ (Layer 3, "Entities based").
 */
final class Entities {
  /** The entities Cilium's CRD accepts (entity.go's kubebuilder enum, with world-ipv4/6). */
  static final Set<String> KNOWN =
      Set.of(
          "all",
          "world",
          "world-ipv4",
          "world-ipv6",
          "cluster",
          "host",
          "init",
          "ingress",
          "unmanaged",
          "remote-node",
          "health",
          "none",
          "kube-apiserver");

  /** The metadata catalog's addresses: the addresses known to be no node's and no pod's. */
  private static final Set<String> WORLD_ADDRESSES =
      io.imdsprober.policy.Destinations.catalog().stream()
          .map(d -> IpLiteral.canonical(d.ip()))
          .collect(java.util.stream.Collectors.toUnmodifiableSet());

  private static final Map<String, String> FAMILY =
      Map.of("world-ipv4", "IPv4", "world-ipv6", "IPv6");

  private Entities() {}

  /** Whether the entity holds the address; {@code where} names the field for a reason. */
  static Tri holds(String entity, InetAddress ip, String where) {
    if (entity.equals("all")) {
      return Tri.YES;
    }
    if (entity.equals("none")) {
      return Tri.NO;
    }
    String host = IpLiteral.canonical(ip);
    if (!WORLD_ADDRESSES.contains(host)) {
      return Tri.unknown(
          where
              + ": whether "
              + host
              + " is a node's, a pod's or the world's address is not known here");
    }
    boolean v4 = ip.getAddress().length == 4;
    return switch (entity) {
      case "world" -> Tri.YES;
      case "world-ipv4", "world-ipv6" -> {
        if (v4 != entity.equals("world-ipv4")) {
          yield Tri.NO;
        }
        yield Tri.unknown(
            where
                + ": "
                + entity
                + " holds "
                + host
                + " only in a dual-stack cluster (a "
                + FAMILY.get(entity)
                + "-only one gives it the world identity), and the cluster's stack is not known");
      }
      default -> Tri.NO;
    };
  }
}
