package io.imdsprober.policy.cilium;

import io.imdsprober.policy.cilium.CiliumParser.Bad;
import io.imdsprober.policy.cilium.CiliumPolicy.Port;
import io.imdsprober.policy.cilium.CiliumPolicy.PortRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Cilium egress rule's {@code toPorts} as rule_validation.go checks them: ports 0-65535 (0:
 * every port) or an IANA service name (a named port), {@code endPort} ranges, protocols TCP, UDP,
 * SCTP, ANY (omitted: ANY; ICMP and the like hold no TCP/UDP/SCTP destination), and L7 {@code
 * rules} (allowed on an allow only, not with port 0, not in a host policy). Pure.
 */
final class CiliumPorts {
  private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP", "ANY");
  private static final Set<String> OTHER_PROTOCOLS = Set.of("ICMP", "ICMPV6", "VRRP", "IGMP");

  private CiliumPorts() {}

  static PortRule portRule(Object v, String where, String field, boolean deny, boolean host)
      throws Bad {
    Map<String, Object> m = CiliumParser.map(v);
    if (m == null) {
      throw new Bad(where + " is not an object");
    }
    List<Port> ports = new ArrayList<>();
    List<Object> raw = CiliumParser.list(m.get("ports"), where + ".ports");
    boolean zero = false;
    for (int k = 0; k < raw.size(); k++) {
      Port p = port(raw.get(k), where + ".ports[" + k + "]");
      zero |= p.from() == 0 && !p.named();
      ports.add(p);
    }
    String l7 = null;
    Map<String, Object> rules = CiliumParser.map(m.get("rules"));
    if (m.get("rules") != null && rules == null) {
      throw new Bad(where + ".rules is not an object");
    }
    if (rules != null) {
      for (String key : List.of("http", "kafka", "dns", "l7proto", "l7")) {
        Object r = rules.get(key);
        if (r != null
            && !(r instanceof List<?> l && l.isEmpty())
            && !(r instanceof String s && s.isEmpty())) {
          l7 = field + ".rules." + key;
          break;
        }
      }
    }
    if (l7 != null) {
      if (deny) {
        throw new Bad(where + ".rules: an egressDeny rule cannot have L7 rules");
      }
      if (host) {
        throw new Bad(where + ".rules: host policies do not support L7 rules");
      }
      if (zero) {
        throw new Bad(where + ".rules: L7 rules can not be used when a port is 0");
      }
    }
    if (l7 == null) {
      for (String key : List.of("serverNames", "listener", "terminatingTLS", "originatingTLS")) {
        Object x = m.get(key);
        if (x != null && !(x instanceof List<?> l && l.isEmpty())) {
          l7 = field + "." + key;
          break;
        }
      }
    }
    return new PortRule(ports, l7);
  }

  static Port port(Object v, String where) throws Bad {
    Map<String, Object> m = CiliumParser.map(v);
    if (m == null) {
      throw new Bad(where + " is not an object");
    }
    Object p = m.get("port");
    String protocol =
        m.get("protocol") == null || "".equals(m.get("protocol"))
            ? "ANY"
            : String.valueOf(m.get("protocol")).toUpperCase(Locale.ROOT);
    if (!PROTOCOLS.contains(protocol) && !OTHER_PROTOCOLS.contains(protocol)) {
      throw new Bad(where + ".protocol '" + m.get("protocol") + "' is not TCP, UDP, SCTP or ANY");
    }
    if (p == null || "".equals(p)) {
      throw new Bad(where + ".port must be specified");
    }
    String text = String.valueOf(p);
    if (!(p instanceof Number) && !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (!text.matches("[a-zA-Z0-9-]{1,15}") || !text.matches(".*[a-zA-Z].*")) {
        throw new Bad(where + ".port '" + text + "' is neither a number nor a port name");
      }
      return new Port(protocol, 0, 0, true); // a container port's name
    }
    int from = number(p, where + ".port");
    int to = from;
    if (m.get("endPort") != null) {
      int end = number(m.get("endPort"), where + ".endPort");
      if (end != 0 && from != 0) {
        if (end < from) {
          throw new Bad(where + ".endPort " + end + " is below port " + from);
        }
        to = end;
      }
    }
    return new Port(protocol, from, to, false);
  }

  static int number(Object v, String where) throws Bad {
    long n;
    if (v instanceof Number x && x.doubleValue() == x.longValue()) {
      n = x.longValue();
    } else {
      String s = String.valueOf(v);
      if (s.isEmpty() || s.length() > 6 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new Bad(where + " '" + v + "' is not a whole number");
      }
      if (s.length() > 1 && s.charAt(0) == '0') {
        // Go's strconv.ParseUint(s, 0, 16) reads a leading zero as octal
        throw new Bad(where + " '" + v + "' has a leading zero, which Cilium reads as octal");
      }
      n = Long.parseLong(s);
    }
    if (n < 0 || n > 65535) {
      throw new Bad(where + " " + n + " is outside 0-65535");
    }
    return (int) n;
  }
}
