package io.imdsprober.policy.cilium;

import io.imdsprober.policy.Cidr;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.chain.Subject;
import java.util.List;

/**
 * One CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy as {@link CiliumPolicies} read it: its
 * rules ({@code spec} and each of {@code specs}), or the problem that makes it invalid (Cilium
 * refuses the whole object then: it never allows or denies, and the pods it could select are
 * undecided). Pure.
 *
 * @param kind {@code CiliumNetworkPolicy} or {@code CiliumClusterwideNetworkPolicy}
 * @param namespace the policy's namespace, or null for the cluster-wide kind
 * @param name the object's name
 * @param rules its rules, in the order {@code spec}, {@code specs[0]}, ...
 * @param problem why it is invalid, or null
 */
record CiliumPolicy(String kind, String namespace, String name, List<Rule> rules, String problem) {
  static final String CNP = "CiliumNetworkPolicy";
  static final String CCNP = "CiliumClusterwideNetworkPolicy";

  CiliumPolicy {
    rules = List.copyOf(rules);
  }

  /** How reports name it: {@code CiliumNetworkPolicy shop/x}, {@code CiliumClusterwide... x}. */
  String display() {
    return kind + " " + (namespace == null ? name : namespace + "/" + name);
  }

  /**
   * One rule.
   *
   * @param at {@code ""} for {@code spec}, {@code "specs[1]."} for an entry of {@code specs}
   * @param selector its {@code endpointSelector}; null for a {@code nodeSelector} rule (a host
   *     policy: it selects nodes, never pods) or one whose selector cannot be read
   * @param nodes whether it is a {@code nodeSelector} rule
   * @param egress its {@code egress} rules
   * @param deny its {@code egressDeny} rules
   * @param defaultDeny whether it puts the endpoints it selects in default deny for egress
   */
  record Rule(
      String at,
      EndpointSelector selector,
      boolean nodes,
      List<Egress> egress,
      List<Egress> deny,
      Tri defaultDeny) {
    Rule {
      egress = List.copyOf(egress);
      deny = List.copyOf(deny);
    }

    /** Whether it acts on egress at all (an egress section, or a possible default deny). */
    boolean forEgress() {
      return !egress.isEmpty() || !deny.isEmpty() || defaultDeny.maybe();
    }
  }

  /** One peer of an egress rule: what it holds of an IP destination. */
  sealed interface Peer {
    Tri holds(Destination d);
  }

  /** {@code toCIDR[j]} or {@code toCIDRSet[j]} (cidr with except). */
  record Cidrs(Cidr cidr, List<Cidr> except) implements Peer {
    Cidrs {
      except = List.copyOf(except);
    }

    @Override
    public Tri holds(Destination d) {
      return Tri.of(cidr.contains(d.ip()) && except.stream().noneMatch(e -> e.contains(d.ip())));
    }
  }

  /** {@code toEntities[j]}. */
  record Entity(String entity, String where) implements Peer {
    @Override
    public Tri holds(Destination d) {
      return Entities.holds(entity, d.ip(), where);
    }
  }

  /**
   * A peer that holds no IP destination outside the cluster ({@code toEndpoints} selecting pods).
   */
  record Pods() implements Peer {
    @Override
    public Tri holds(Destination d) {
      return Tri.NO;
    }
  }

  /** A peer not decidable for an IP destination ({@code toFQDNs}, {@code toServices}, ...). */
  record Undecidable(String why) implements Peer {
    @Override
    public Tri holds(Destination d) {
      return Tri.unknown(why);
    }
  }

  /**
   * A port of {@code toPorts[].ports[]}: a protocol ({@code TCP}, {@code UDP}, {@code SCTP}, {@code
   * ANY}, or another one that no TCP/UDP/SCTP destination has), a range (port 0: every port), or a
   * named port (a container port's name: never an address outside the cluster).
   */
  record Port(String protocol, int from, int to, boolean named) {
    boolean holds(Destination d) {
      if (named || !(protocol.equals("ANY") || protocol.equals(d.protocol()))) {
        return false;
      }
      return from == 0 || d.port() <= 0 || d.port() >= from && d.port() <= to;
    }
  }

  /**
   * One {@code toPorts} entry: its ports (empty: every port) and, when it has L7 rules (or SNI, a
   * listener, TLS), the field that names them: the proxy then allows some requests only.
   */
  record PortRule(List<Port> ports, String l7) {
    PortRule {
      ports = List.copyOf(ports);
    }

    boolean holds(Destination d) {
      return ports.isEmpty() || ports.stream().anyMatch(p -> p.holds(d));
    }
  }

  /**
   * One rule of {@code egress} or {@code egressDeny}.
   *
   * @param word how reports name it: {@code CiliumNetworkPolicy shop/x egress[1]}
   * @param peers its L3 peers (empty: see {@code anyPeer})
   * @param anyPeer whether it has no L3 peer but ports or ICMP (an L4-only rule: every destination)
   * @param toPorts its {@code toPorts} (empty: every port)
   * @param icmpOnly whether it has {@code icmps} only (never a TCP, UDP or SCTP destination)
   * @param undecidable a field that makes the whole rule undecidable ({@code toRequires}, {@code
   *     authentication}, a field not evaluated), with why, or null
   */
  record Egress(
      String word,
      List<Peer> peers,
      boolean anyPeer,
      List<PortRule> toPorts,
      boolean icmpOnly,
      String undecidable) {
    Egress {
      peers = List.copyOf(peers);
      toPorts = List.copyOf(toPorts);
    }

    /** Whether the rule holds the destination; not known names the rule and the field. */
    Tri holds(Destination d) {
      if (icmpOnly) {
        return Tri.NO;
      }
      Tri peer = anyPeer ? Tri.YES : Tri.NO;
      for (Peer p : peers) {
        Tri t = p.holds(d);
        if (t == Tri.YES) {
          peer = t;
          break;
        }
        if (!t.known() && peer.known()) {
          peer = t;
        }
      }
      if (peer == Tri.NO) {
        return Tri.NO;
      }
      Tri port = toPorts.isEmpty() ? Tri.YES : Tri.NO;
      for (PortRule r : toPorts) {
        if (!r.holds(d)) {
          continue;
        }
        if (r.l7() == null) {
          port = Tri.YES;
          break;
        }
        if (port.known()) {
          port =
              Tri.unknown(
                  word
                      + "."
                      + r.l7()
                      + ": the L7 proxy allows some requests on this port and not others");
        }
      }
      if (port == Tri.NO) {
        return Tri.NO;
      }
      if (d.port() <= 0 && word.contains(" egressDeny[") && !everyPort()) {
        // "any port" asks whether some port is reachable: a deny of some ports does not answer it
        return Tri.unknown(
            word
                + ".toPorts: a deny of some ports only, and the destination names no port (give"
                + " --to a port)");
      }
      if (undecidable != null) {
        return Tri.unknown(word + "." + undecidable);
      }
      Tri out = peer.known() ? port : peer;
      return out.known() ? out : Tri.unknown(prefix(out.why()));
    }

    /** Whether its ports hold every port (no toPorts, an entry without ports, port 0). */
    private boolean everyPort() {
      return toPorts.isEmpty()
          || toPorts.stream()
              .anyMatch(
                  r ->
                      r.ports().isEmpty()
                          || r.ports().stream()
                              .anyMatch(
                                  p ->
                                      !p.named()
                                          && p.protocol().equals("ANY")
                                          && (p.from() == 0 || p.from() <= 1 && p.to() >= 65535)));
    }

    private String prefix(String why) {
      return why.startsWith(word) ? why : word + "." + why;
    }
  }

  /** Whether the rule's selector selects the pod (a CNP selects only pods of its namespace). */
  Tri selects(Rule r, Subject pod) {
    if (r.nodes()) {
      return Tri.NO; // a host policy selects nodes, never pods
    }
    if (namespace != null && !namespace.equals(pod.namespace())) {
      return Tri.NO;
    }
    if (r.selector() == null) {
      return Tri.unknown(display() + " " + r.at() + "endpointSelector: cannot be read");
    }
    return r.selector()
        .selects(pod, display() + " " + r.at() + "endpointSelector", namespace != null);
  }
}
