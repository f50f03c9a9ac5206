package io.imdsprober.policy.calico;

import static io.imdsprober.policy.calico.CalicoRead.list;
import static io.imdsprober.policy.calico.CalicoRead.map;
import static io.imdsprober.policy.calico.CalicoRead.optional;
import static io.imdsprober.policy.calico.CalicoRead.selector;

import io.imdsprober.policy.Cidr;
import io.imdsprober.policy.calico.CalicoRead.Bad;
import io.imdsprober.policy.calico.CalicoRule.Accounts;
import io.imdsprober.policy.calico.CalicoRule.Action;
import io.imdsprober.policy.calico.CalicoRule.Entity;
import io.imdsprober.policy.calico.CalicoRule.Port;
import io.imdsprober.policy.calico.CalicoRule.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one egress rule of a Calico policy, checked as libcalico-go's validator checks it ({@code
 * validateRule}, {@code validateEntityRule}): the action, protocols, ports (numbers, {@code
 * from:to}, names; only with a protocol that has ports), CIDRs (not IPv4 and IPv6 in one rule),
 * selectors, service accounts, services (alone). A field it does not know is named on the rule,
 * which is then undecided where it is reached. Pure.
 */
final class CalicoRuleRead {
  private static final Set<String> RULE_KEYS =
      Set.of(
          "action",
          "protocol",
          "notProtocol",
          "icmp",
          "notICMP",
          "ipVersion",
          "source",
          "destination",
          "http",
          "metadata");
  private static final Set<String> ENTITY_KEYS =
      Set.of(
          "nets",
          "notNets",
          "selector",
          "notSelector",
          "namespaceSelector",
          "ports",
          "notPorts",
          "serviceAccounts",
          "services");

  private CalicoRuleRead() {}

  static CalicoRule rule(int i, Object v) throws Bad {
    String where = "spec.egress[" + i + "]";
    Map<String, Object> r = map(v);
    if (r == null) {
      throw new Bad(where + " is not an object");
    }
    Action action =
        switch (String.valueOf(r.get("action"))) {
          case "Allow" -> Action.ALLOW;
          case "Deny" -> Action.DENY;
          case "Pass" -> Action.PASS;
          case "Log" -> Action.LOG;
          default ->
              throw new Bad(
                  where + ".action '" + r.get("action") + "' is not Allow, Deny, Log or Pass");
        };
    Integer ipVersion = null;
    if (r.get("ipVersion") != null) {
      Object n = r.get("ipVersion");
      if (!(n instanceof Number num) || num.doubleValue() != 4 && num.doubleValue() != 6) {
        throw new Bad(where + ".ipVersion '" + n + "' is not 4 or 6");
      }
      ipVersion = num.intValue();
    }
    Protocol protocol = protocol(r.get("protocol"), where + ".protocol");
    Protocol notProtocol = protocol(r.get("notProtocol"), where + ".notProtocol");
    if (r.get("http") != null) {
      throw new Bad(where + ".http: application layer policy is not allowed in an egress rule");
    }
    if (r.get("icmp") != null
        && (protocol == null
            || !"ICMP".equals(protocol.name()) && !"ICMPV6".equals(protocol.name()))) {
      throw new Bad(where + ".icmp needs protocol ICMP or ICMPv6");
    }
    Entity source = entity(r.get("source"), where + ".source", "source");
    Entity destination = entity(r.get("destination"), where + ".destination", "destination");
    boolean ports =
        !source.ports().isEmpty()
            || !source.notPorts().isEmpty()
            || !destination.ports().isEmpty()
            || !destination.notPorts().isEmpty();
    if (ports && (protocol == null || !protocol.supportsPorts())) {
      throw new Bad(where + ": protocol does not support ports (ports need TCP, UDP or SCTP)");
    }
    if (source.services()) {
      throw new Bad(where + ".source.services: not allowed in an egress rule's source");
    }
    mixedNets(where, ipVersion, source, destination);
    String undecidable = null;
    if (r.get("notICMP") != null) {
      undecidable = ".notICMP: not evaluated";
    }
    for (String key : r.keySet()) {
      if (!RULE_KEYS.contains(key)) {
        undecidable = "." + key + ": not evaluated";
        break;
      }
    }
    return new CalicoRule(
        i, action, ipVersion, protocol, notProtocol, source, destination, undecidable);
  }

  private static Protocol protocol(Object v, String where) throws Bad {
    if (v == null) {
      return null;
    }
    Protocol p = Protocol.parse(v);
    if (p == null) {
      throw new Bad(where + " '" + v + "' is not TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or 1-255");
    }
    return p;
  }

  /** The validator's "rule contains both IPv4 and IPv6 CIDRs" and its IP version check. */
  private static void mixedNets(String where, Integer ipVersion, Entity... entities) throws Bad {
    boolean v4 = false;
    boolean v6 = false;
    for (Entity e : entities) {
      for (List<Cidr> nets : List.of(e.nets(), e.notNets())) {
        for (Cidr c : nets) {
          v4 |= c.network().length == 4;
          v6 |= c.network().length == 16;
        }
      }
    }
    if (v4 && v6) {
      throw new Bad(where + ": rule contains both IPv4 and IPv6 CIDRs");
    }
    if (ipVersion != null && (v4 && ipVersion != 4 || v6 && ipVersion != 6)) {
      throw new Bad(where + ": ipVersion " + ipVersion + " does not match the CIDRs' version");
    }
  }

  private static Entity entity(Object v, String where, String field) throws Bad {
    if (v == null) {
      return Entity.none(field);
    }
    Map<String, Object> e = map(v);
    if (e == null) {
      throw new Bad(where + " is not an object");
    }
    CalicoSelector ns = null;
    if (e.get("namespaceSelector") != null) {
      ns = selector(e.get("namespaceSelector"), where + ".namespaceSelector", true);
    }
    Accounts accounts = null;
    if (e.get("serviceAccounts") != null) {
      Map<String, Object> a = map(e.get("serviceAccounts"));
      if (a == null) {
        throw new Bad(where + ".serviceAccounts is not an object");
      }
      List<String> names = new ArrayList<>();
      for (Object n : list(a.get("names"), where + ".serviceAccounts.names")) {
        names.add(String.valueOf(n));
      }
      accounts =
          new Accounts(names, optional(a.get("selector"), where + ".serviceAccounts.selector"));
    }
    boolean services = e.get("services") != null;
    if (services
        && (e.get("selector") != null
            || e.get("notSelector") != null
            || ns != null
            || accounts != null
            || e.get("nets") != null
            || e.get("notNets") != null
            || e.get("ports") != null
            || e.get("notPorts") != null)) {
      throw new Bad(where + ".services cannot be combined with other criteria");
    }
    String undecidable = null;
    for (String key : e.keySet()) {
      if (!ENTITY_KEYS.contains(key)) {
        undecidable = "." + field + "." + key + ": not evaluated";
        break;
      }
    }
    return new Entity(
        field,
        nets(e.get("nets"), where + ".nets"),
        nets(e.get("notNets"), where + ".notNets"),
        e.get("selector") == null ? null : selector(e.get("selector"), where + ".selector", false),
        e.get("notSelector") == null
            ? null
            : selector(e.get("notSelector"), where + ".notSelector", false),
        ns,
        ports(e.get("ports"), where + ".ports"),
        ports(e.get("notPorts"), where + ".notPorts"),
        accounts,
        services,
        undecidable);
  }

  /** CIDRs as the API server parses them ({@link Cidr}); a bare address is a host block. */
  static List<Cidr> nets(Object v, String where) throws Bad {
    List<Cidr> out = new ArrayList<>();
    for (Object n : list(v, where)) {
      String s = String.valueOf(n);
      if (s.indexOf('/') < 0) {
        s = s + (s.indexOf(':') >= 0 ? "/128" : "/32");
      }
      try {
        out.add(Cidr.parse(s));
      } catch (IllegalArgumentException e) {
        throw new Bad(where + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** Numbers, {@code "from:to"} ranges, named ports. */
  private static List<Port> ports(Object v, String where) throws Bad {
    List<Port> out = new ArrayList<>();
    for (Object p : list(v, where)) {
      if (p instanceof Number n) {
        out.add(new Port(number(n, where), number(n, where), null));
        continue;
      }
      String s = String.valueOf(p);
      if (s.matches("[0-9]{1,5}")) {
        int port = number(Integer.parseInt(s), where);
        out.add(new Port(port, port, null));
      } else if (s.matches("[0-9]{1,5}:[0-9]{1,5}")) {
        int from = number(Integer.parseInt(s.substring(0, s.indexOf(':'))), where);
        int to = number(Integer.parseInt(s.substring(s.indexOf(':') + 1)), where);
        if (to < from) {
          throw new Bad(where + ": range '" + s + "' ends below its start");
        }
        out.add(new Port(from, to, null));
      } else if (s.matches("[a-zA-Z0-9]([a-zA-Z0-9._-]{0,126}[a-zA-Z0-9])?")
          && !s.matches("[0-9:]+")) {
        out.add(new Port(0, 0, s));
      } else {
        throw new Bad(where + ": '" + s + "' is not a port, a range or a port name");
      }
    }
    return out;
  }

  private static int number(Number n, String where) throws Bad {
    if (n.doubleValue() != n.intValue() || n.intValue() < 0 || n.intValue() > 65535) {
      throw new Bad(where + ": port " + n + " is outside 0-65535");
    }
    return n.intValue();
  }
}
