package io.imdsprober.policy.cilium;

import io.imdsprober.policy.Cidr;
import io.imdsprober.policy.cilium.CiliumParser.Bad;
import io.imdsprober.policy.cilium.CiliumPolicy.Cidrs;
import io.imdsprober.policy.cilium.CiliumPolicy.Peer;
import io.imdsprober.policy.cilium.CiliumPolicy.Pods;
import io.imdsprober.policy.cilium.CiliumPolicy.Undecidable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the peers of a Cilium egress rule that need more than a list: {@code toCIDR} and {@code
 * toCIDRSet} entries (as {@code netip.ParsePrefix} and rule_validation.go read them) and {@code
 * toEndpoints} selectors. Pure.
 */
final class CiliumPeers {
  private CiliumPeers() {}

  static Peer cidrSet(Object v, String where, String field) throws Bad {
    Map<String, Object> m = CiliumParser.map(v);
    if (m == null) {
      throw new Bad(where + " is not an object");
    }
    for (String group : List.of("cidrGroupRef", "cidrGroupSelector")) {
      if (m.get(group) != null) {
        if (m.get("cidr") != null) {
          throw new Bad(where + " has both cidr and " + group);
        }
        return new Undecidable(
            field
                + "."
                + group
                + ": the addresses are a CiliumCIDRGroup's, which is not read here");
      }
    }
    Cidr cidr = cidr(m.get("cidr"), where + ".cidr");
    List<Cidr> except = new ArrayList<>();
    for (Object e : CiliumParser.list(m.get("except"), where + ".except")) {
      Cidr x = cidr(e, where + ".except");
      // rule_validation.go: prefix.Contains(except.Addr()), which also needs the same family
      if (x.network().length != cidr.network().length || !cidr.contains(address(x))) {
        throw new Bad(where + ".except " + e + " is not inside " + m.get("cidr"));
      }
      except.add(x);
    }
    return new Cidrs(cidr, except);
  }

  static java.net.InetAddress address(Cidr c) {
    try {
      return java.net.InetAddress.getByAddress(c.network());
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A {@code toEndpoints} entry: it selects endpoints by their labels, never an address outside the
   * cluster, unless it selects by {@code reserved:} (or another non-pod) labels, or is a
   * cluster-wide policy's selector with no label a pod must carry (such a selector also matches the
   * world identity, whose labels are reserved ones): then not known.
   */
  static Peer endpoints(Object v, String where, String field, String word) throws Bad {
    EndpointSelector s;
    try {
      s = EndpointSelector.parse(v);
    } catch (IllegalArgumentException e) {
      throw new Bad(where + ": " + e.getMessage());
    }
    boolean reserved =
        s.requirements().stream()
            .anyMatch(r -> !r.source().equals("k8s") && !r.source().equals("any"));
    if (reserved) {
      return new Undecidable(
          field + ": selects by reserved or other non-pod labels: not evaluated");
    }
    boolean namespaced = word.startsWith(CiliumPolicy.CNP + " ");
    if (namespaced || s.requirements().stream().anyMatch(EndpointSelector.Requirement::positive)) {
      return new Pods();
    }
    return new Undecidable(
        field
            + ": a cluster-wide selector that requires no label may select the world identity"
            + " (and the metadata address with it)");
  }

  static Cidr cidr(Object v, String where) throws Bad {
    String text = v instanceof String s ? s : String.valueOf(v);
    if (text.indexOf(':') >= 0 && text.indexOf('.') >= 0) {
      throw new Bad(
          where
              + ": '"
              + text
              + "': an IPv4-mapped or embedded address, which the CRD's pattern refuses");
    }
    try {
      return Cidr.parse(text);
    } catch (IllegalArgumentException e) {
      throw new Bad(where + ": " + e.getMessage());
    }
  }
}
