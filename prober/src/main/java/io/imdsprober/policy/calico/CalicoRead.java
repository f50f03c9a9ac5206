package io.imdsprober.policy.calico;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.imdsprober.policy.Cidr;
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
 * Reads Calico's NetworkPolicy and GlobalNetworkPolicy ({@code projectcalico.org/v3}, {@code
 * crd.projectcalico.org/v1}, the same spec) from their maps, checked as libcalico-go's validator
 * checks them ({@code lib/validator/v3/validator.go}): a selector that does not parse, {@code
 * global()} outside a rule's namespaceSelector, an unknown action, type or protocol, a CIDR that
 * does not parse, IPv4 and IPv6 CIDRs in one rule, ports without a protocol that has ports, a port
 * out of range; such an object is invalid, named with the field, and never allows or denies. A
 * field that is valid but not evaluated for an IP destination is named on its rule instead. Pure.
 */
final class CalicoRead {
  private static final Set<String> SPEC_KEYS =
      Set.of(
          "order",
          "tier",
          "selector",
          "namespaceSelector",
          "serviceAccountSelector",
          "types",
          "ingress",
          "egress",
          "doNotTrack",
          "preDNAT",
          "applyOnForward",
          "performanceHints",
          "stagedAction");
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

  private CalicoRead() {}

  /** A problem with the object, named by its field. */
  static final class Bad extends Exception {
    Bad(String message) {
      super(message, null, false, false);
    }
  }

  static Map<String, Object> spec(HasMetadata o) {
    if (o instanceof GenericKubernetesResource g && g.getAdditionalProperties() != null) {
      return map(g.getAdditionalProperties().get("spec"));
    }
    return null;
  }

  /** One NetworkPolicy or GlobalNetworkPolicy; invalid (the problem named) when it breaks rules. */
  static CalicoPolicy policy(HasMetadata o, String kind, String namespace) {
    String name = o.getMetadata() == null ? "?" : String.valueOf(o.getMetadata().getName());
    Map<String, Object> spec = spec(o);
    boolean global = namespace == null;
    String tier = "default";
    Double order = null;
    CalicoSelector selector = null;
    CalicoSelector nsSelector = null;
    CalicoSelector saSelector = null;
    boolean egress = false;
    boolean hostOnly = false;
    List<CalicoRule> rules = new ArrayList<>();
    String problem = null;
    try {
      if (spec == null) {
        spec = Map.of();
      }
      if (spec.get("tier") instanceof String t && !t.isEmpty()) {
        tier = t;
      } else if (spec.get("tier") != null) {
        throw new Bad("spec.tier '" + spec.get("tier") + "' is not a tier name");
      }
      hostOnly = flag(spec, "preDNAT") || flag(spec, "doNotTrack");
      selector = selector(spec.get("selector"), "spec.selector", false);
      if (global) {
        nsSelector = optional(spec.get("namespaceSelector"), "spec.namespaceSelector");
      }
      saSelector = optional(spec.get("serviceAccountSelector"), "spec.serviceAccountSelector");
      order = order(spec.get("order"));
      List<Object> egressRules = list(spec.get("egress"), "spec.egress");
      List<Object> ingressRules = list(spec.get("ingress"), "spec.ingress");
      egress = types(spec.get("types"), !egressRules.isEmpty(), !ingressRules.isEmpty());
      for (int i = 0; i < egressRules.size(); i++) {
        rules.add(rule(i, egressRules.get(i)));
      }
      for (String key : spec.keySet()) {
        if (!SPEC_KEYS.contains(key) || !global && key.equals("namespaceSelector")) {
          throw new Bad("spec." + key + " is not a field of " + kind);
        }
      }
    } catch (Bad e) {
      problem = e.getMessage();
    }
    String bare = name.startsWith(tier + ".") ? name.substring(tier.length() + 1) : name;
    String sortKey = (global ? "" : namespace + "/") + tier + "." + bare;
    return new CalicoPolicy(
        kind,
        namespace,
        name,
        tier,
        order,
        sortKey,
        selector,
        nsSelector,
        saSelector,
        egress,
        hostOnly,
        rules,
        problem);
  }

  private static boolean flag(Map<String, Object> spec, String key) throws Bad {
    Object v = spec.get(key);
    if (v != null && !(v instanceof Boolean)) {
      throw new Bad("spec." + key + " '" + v + "' is not true or false");
    }
    return Boolean.TRUE.equals(v);
  }

  static Double order(Object v) throws Bad {
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || Double.isNaN(n.doubleValue())) {
      throw new Bad("spec.order '" + v + "' is not a number");
    }
    return n.doubleValue();
  }

  /** Calico's defaults: Egress when egress rules are present (the "types" table). */
  private static boolean types(Object v, boolean egressRules, boolean ingressRules) throws Bad {
    if (v == null) {
      return egressRules;
    }
    List<Object> types = list(v, "spec.types");
    if (types.isEmpty()) {
      return egressRules;
    }
    boolean egress = false;
    java.util.Set<Object> seen = new java.util.HashSet<>();
    for (Object t : types) {
      if (!"Ingress".equals(t) && !"Egress".equals(t)) {
        throw new Bad("spec.types: '" + t + "' is not Ingress or Egress");
      }
      if (!seen.add(t)) {
        throw new Bad("spec.types: '" + t + "' type specified more than once");
      }
      egress |= "Egress".equals(t);
    }
    return egress;
  }

  private static CalicoSelector optional(Object v, String where) throws Bad {
    return v == null ? null : selector(v, where, false);
  }

  /** A selector; {@code global()} only where {@code namespaceSelector} allows it. */
  static CalicoSelector selector(Object v, String where, boolean globalAllowed) throws Bad {
    if (v != null && !(v instanceof String)) {
      throw new Bad(where + " is not a selector string");
    }
    CalicoSelector s;
    try {
      s = CalicoSelector.parse((String) v);
    } catch (CalicoSelector.Invalid e) {
      throw new Bad(where + " '" + v + "' does not parse: " + e.getMessage());
    }
    if (s.usesGlobal() && !(globalAllowed && s.isGlobal())) {
      throw new Bad(
          where
              + ": global() is only valid alone, in a rule's namespaceSelector (selector '"
              + v
              + "')");
    }
    return s;
  }

  private static CalicoRule rule(int i, Object v) throws Bad {
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

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object v) {
    return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object v, String where) throws Bad {
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?>)) {
      throw new Bad(where + " is not a list");
    }
    return (List<Object>) v;
  }
}
