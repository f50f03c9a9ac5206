package io.imdsprober.policy.anp;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Cidr;
import io.imdsprober.policy.Selectors;
import io.imdsprober.policy.anp.AdminPolicy.Networks;
import io.imdsprober.policy.anp.AdminPolicy.Peer;
import io.imdsprober.policy.anp.AdminPolicy.Pods;
import io.imdsprober.policy.anp.AdminPolicy.Port;
import io.imdsprober.policy.anp.AdminPolicy.Rule;
import io.imdsprober.policy.anp.AdminPolicy.Selection;
import io.imdsprober.policy.anp.AdminPolicy.Undecidable;
import io.imdsprober.policy.chain.Answer.Say;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads AdminNetworkPolicy and BaselineAdminNetworkPolicy ({@code
 * policy.networking.k8s.io/v1alpha1}) and ClusterNetworkPolicy ({@code v1alpha2}, tiers Admin and
 * Baseline) from their maps (fabric8 has no typed model of them): an object that breaks the API's
 * rules (no subject, a selector that does not parse, an unknown action, a bad CIDR, a port out of
 * range) is read as invalid, with the field named, and never allows or denies. Pure.
 */
public final class AdminPolicies {
  public static final String GROUP = "policy.networking.k8s.io";
  public static final String ANP = "AdminNetworkPolicy";
  public static final String BANP = "BaselineAdminNetworkPolicy";
  public static final String CNP = "ClusterNetworkPolicy";

  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");
  private static final Set<String> PEER_KEYS = Set.of("namespaces", "pods", "nodes", "networks");

  private AdminPolicies() {}

  /** Whether the object is one of the three kinds read here (by group and kind). */
  public static boolean evaluated(HasMetadata o) {
    String v = o.getApiVersion();
    return v != null
        && v.startsWith(GROUP + "/")
        && (ANP.equals(o.getKind()) || BANP.equals(o.getKind()) || CNP.equals(o.getKind()));
  }

  /** The objects of the three kinds among {@code objects}, read. */
  public static List<AdminPolicy> of(List<? extends HasMetadata> objects) {
    List<AdminPolicy> out = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (evaluated(o)) {
        out.add(read(o));
      }
    }
    return out;
  }

  /** One object, read; invalid (with the problem named) when it breaks the API's rules. */
  static AdminPolicy read(HasMetadata o) {
    String kind = o.getKind();
    String name = o.getMetadata() == null ? "?" : String.valueOf(o.getMetadata().getName());
    Map<String, Object> spec = map(spec(o));
    Parse p = new Parse();
    Integer priority = null;
    boolean baseline = BANP.equals(kind);
    Selection subject = null;
    List<Rule> rules = new ArrayList<>();
    try {
      if (spec == null) {
        throw new Bad("no spec");
      }
      if (CNP.equals(kind)) {
        Object tier = spec.get("tier");
        if (!"Admin".equals(tier) && !"Baseline".equals(tier)) {
          throw new Bad("spec.tier '" + tier + "' is not Admin or Baseline");
        }
        baseline = "Baseline".equals(tier);
      }
      if (BANP.equals(kind) && !"default".equals(name)) {
        throw new Bad("a BaselineAdminNetworkPolicy must be named default");
      }
      if (!BANP.equals(kind)) {
        priority = priority(spec.get("priority"));
      }
      subject = subject(spec.get("subject"));
      List<Object> egress = list(spec.get("egress"), "spec.egress");
      for (int i = 0; i < egress.size(); i++) {
        rules.add(rule(kind, i, egress.get(i)));
      }
    } catch (Bad e) {
      p.problem = e.getMessage();
    }
    return new AdminPolicy(kind, name, baseline, priority, subject, rules, p.problem);
  }

  private static final class Parse {
    String problem;
  }

  /** A problem with the object, named by its field. */
  private static final class Bad extends Exception {
    Bad(String message) {
      super(message, null, false, false);
    }
  }

  private static Object spec(HasMetadata o) {
    if (o instanceof GenericKubernetesResource g) {
      return g.getAdditionalProperties() == null ? null : g.getAdditionalProperties().get("spec");
    }
    return null;
  }

  private static Integer priority(Object v) throws Bad {
    if (!(v instanceof Number n) || n.doubleValue() != n.intValue()) {
      throw new Bad("spec.priority '" + v + "' is not a whole number");
    }
    if (n.intValue() < 0 || n.intValue() > 1000) {
      throw new Bad("spec.priority " + n.intValue() + " is outside 0-1000");
    }
    return n.intValue();
  }

  private static Selection subject(Object v) throws Bad {
    Map<String, Object> s = map(v);
    if (s == null) {
      throw new Bad("spec.subject is required");
    }
    if (s.containsKey("namespaces") == s.containsKey("pods") || s.size() != 1) {
      throw new Bad("spec.subject needs exactly one of namespaces or pods");
    }
    if (s.containsKey("namespaces")) {
      return new Selection(selector(s.get("namespaces"), "spec.subject.namespaces"), null, null);
    }
    Map<String, Object> pods = map(s.get("pods"));
    if (pods == null) {
      throw new Bad("spec.subject.pods is not an object");
    }
    return new Selection(
        null,
        selector(pods.get("namespaceSelector"), "spec.subject.pods.namespaceSelector"),
        selector(pods.get("podSelector"), "spec.subject.pods.podSelector"));
  }

  /** A required label selector, checked as the API checks it. */
  private static LabelSelector selector(Object v, String where) throws Bad {
    if (!(v instanceof Map)) {
      throw new Bad(where + " is required (a label selector)");
    }
    LabelSelector s;
    try {
      s = JSON.convertValue(v, LabelSelector.class);
    } catch (RuntimeException e) {
      throw new Bad(where + " is not a label selector");
    }
    String problem = Selectors.problem(s);
    if (problem != null) {
      throw new Bad(where + ": " + problem);
    }
    if (s.getMatchLabels() != null && s.getMatchLabels().containsValue(null)) {
      throw new Bad(where + ": a matchLabels value is null");
    }
    return s;
  }

  private static Rule rule(String kind, int i, Object v) throws Bad {
    String where = "spec.egress[" + i + "]";
    Map<String, Object> r = map(v);
    if (r == null) {
      throw new Bad(where + " is not an object");
    }
    Say action = action(kind, r.get("action"), where);
    List<Object> to = list(r.get("to"), where + ".to");
    if (to.isEmpty()) {
      throw new Bad(where + ".to needs at least one peer");
    }
    List<Peer> peers = new ArrayList<>();
    for (int j = 0; j < to.size(); j++) {
      peers.add(peer(to.get(j), where + ".to[" + j + "]"));
    }
    List<Port> ports = new ArrayList<>();
    List<Object> raw = list(r.get("ports"), where + ".ports");
    for (int j = 0; j < raw.size(); j++) {
      ports.add(port(raw.get(j), where + ".ports[" + j + "]"));
    }
    String undecidable = null;
    if (CNP.equals(kind) && r.containsKey("match")) {
      List<Port> matched = match(r.get("match"));
      if (matched == null) {
        undecidable = ".match: not read (the v1alpha2 match shape is still changing upstream)";
      } else {
        ports.addAll(matched);
      }
    }
    for (String key : r.keySet()) {
      if (!Set.of("name", "action", "to", "ports", "match").contains(key)) {
        undecidable = "." + key + ": not evaluated";
        break;
      }
    }
    return new Rule(i, action, peers, ports, undecidable);
  }

  private static Say action(String kind, Object v, String where) throws Bad {
    String a = String.valueOf(v);
    Say say =
        switch (a) {
          case "Allow" -> CNP.equals(kind) ? null : Say.ALLOW;
          case "Accept" -> CNP.equals(kind) ? Say.ALLOW : null;
          case "Deny" -> Say.DENY;
          case "Pass" -> BANP.equals(kind) ? null : Say.PASS;
          default -> null;
        };
    if (say == null) {
      throw new Bad(where + ".action '" + a + "' is not an action of " + kind);
    }
    return say;
  }

  private static Peer peer(Object v, String where) throws Bad {
    Map<String, Object> p = map(v);
    if (p == null || p.size() != 1) {
      throw new Bad(where + " needs exactly one of namespaces, pods, nodes or networks");
    }
    String key = p.keySet().iterator().next();
    Object value = p.get(key);
    switch (key) {
      case "namespaces" -> {
        selector(value, where + ".namespaces");
        return new Pods();
      }
      case "pods" -> {
        Map<String, Object> pods = map(value);
        if (pods == null) {
          throw new Bad(where + ".pods is not an object");
        }
        selector(pods.get("namespaceSelector"), where + ".pods.namespaceSelector");
        selector(pods.get("podSelector"), where + ".pods.podSelector");
        return new Pods();
      }
      case "nodes" -> {
        selector(value, where + ".nodes");
        return new Undecidable(
            ".nodes: a node peer holds the nodes' addresses, which are not known here");
      }
      case "networks" -> {
        List<Object> nets = list(value, where + ".networks");
        if (nets.isEmpty()) {
          throw new Bad(where + ".networks needs at least one CIDR");
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (Object n : nets) {
          try {
            cidrs.add(Cidr.parse(n instanceof String s ? s : String.valueOf(n)));
          } catch (IllegalArgumentException e) {
            throw new Bad(where + ".networks: " + e.getMessage());
          }
        }
        return new Networks(cidrs);
      }
      default -> {
        if (!PEER_KEYS.contains(key)) {
          return new Undecidable("." + key + ": not evaluated");
        }
        throw new IllegalStateException(key);
      }
    }
  }

  private static Port port(Object v, String where) throws Bad {
    Map<String, Object> p = map(v);
    if (p == null || p.size() != 1) {
      throw new Bad(where + " needs exactly one of portNumber, portRange or namedPort");
    }
    if (p.get("namedPort") instanceof String) {
      return new Port("TCP", 0, 0, true);
    }
    Map<String, Object> number = map(p.get("portNumber"));
    if (number != null) {
      int port = number(number.get("port"), where + ".portNumber.port");
      return new Port(protocol(number.get("protocol"), where + ".portNumber"), port, port, false);
    }
    Map<String, Object> range = map(p.get("portRange"));
    if (range != null) {
      int start = number(range.get("start"), where + ".portRange.start");
      int end = number(range.get("end"), where + ".portRange.end");
      if (end < start) {
        throw new Bad(where + ".portRange: end " + end + " is below start " + start);
      }
      return new Port(protocol(range.get("protocol"), where + ".portRange"), start, end, false);
    }
    throw new Bad(where + " needs exactly one of portNumber, portRange or namedPort");
  }

  /**
   * ClusterNetworkPolicy v1alpha2 {@code match}: {@code [{tcp: [{port: {number: 80}}]}, {udp:
   * [{port: {portRange: {start, end}}}]}, {namedPort: x}, {icmp: ...}]}; an ICMP match never holds
   * a TCP or UDP destination. Null when its shape is not this one (then the rule is undecided, not
   * invalid: the shape is experimental upstream).
   */
  private static List<Port> match(Object v) {
    if (!(v instanceof List<?> entries)) {
      return null;
    }
    List<Port> out = new ArrayList<>();
    for (Object e : entries) {
      Map<String, Object> m = map(e);
      if (m == null || m.size() != 1) {
        return null;
      }
      String key = m.keySet().iterator().next();
      Object value = m.get(key);
      switch (key) {
        case "namedPort" -> out.add(new Port("TCP", 0, 0, true));
        case "icmp" -> out.add(new Port("ICMP", 0, 0, false));
        case "tcp", "udp" -> {
          if (!(value instanceof List<?> items) || items.isEmpty()) {
            return null;
          }
          for (Object item : items) {
            Map<String, Object> it = map(item);
            Map<String, Object> port =
                it == null ? null : map(it.getOrDefault("port", it.get("Port")));
            Port p = port == null ? null : matchPort(key.toUpperCase(java.util.Locale.ROOT), port);
            if (p == null) {
              return null;
            }
            out.add(p);
          }
        }
        default -> {
          return null;
        }
      }
    }
    return out;
  }

  private static Port matchPort(String protocol, Map<String, Object> port) {
    try {
      if (port.size() == 1 && port.containsKey("number")) {
        int n = number(port.get("number"), "number");
        return new Port(protocol, n, n, false);
      }
      Map<String, Object> range = map(port.get("portRange"));
      if (port.size() == 1 && range != null) {
        int start = number(range.get("start"), "start");
        int end = number(range.get("end"), "end");
        return end < start ? null : new Port(protocol, start, end, false);
      }
    } catch (Bad e) {
      return null;
    }
    return null;
  }

  private static String protocol(Object v, String where) throws Bad {
    if (v == null) {
      return "TCP";
    }
    if (!PROTOCOLS.contains(v)) {
      throw new Bad(where + ".protocol '" + v + "' is not TCP, UDP or SCTP");
    }
    return (String) v;
  }

  private static int number(Object v, String where) throws Bad {
    if (!(v instanceof Number n) || n.doubleValue() != n.intValue()) {
      throw new Bad(where + " '" + v + "' is not a whole number");
    }
    if (n.intValue() < 1 || n.intValue() > 65535) {
      throw new Bad(where + " " + n.intValue() + " is outside 1-65535");
    }
    return n.intValue();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object v) {
    return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object v, String where) throws Bad {
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?>)) {
      throw new Bad(where + " is not a list");
    }
    return (List<Object>) v;
  }
}
