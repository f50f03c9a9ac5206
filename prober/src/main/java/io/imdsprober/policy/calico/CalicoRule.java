package io.imdsprober.policy.calico;

import io.imdsprober.policy.Cidr;
import io.imdsprober.policy.EgressPolicies.Destination;
import java.util.List;
import java.util.Locale;

/**
 * One egress rule of a Calico policy, read, and whether it holds a packet from a pod to an IP
 * destination (docs.tigera.io/calico/latest/reference/resources/networkpolicy, "Rule" and
 * "EntityRule"): every match criterion given must hold; {@code nets} hold their CIDRs and {@code
 * notNets} everything else; {@code selector}, {@code notSelector} and {@code namespaceSelector}
 * select endpoints and network sets, so an IP destination only through a network set that holds it;
 * {@code serviceAccounts} select endpoints only; ports hold numbers and ranges, and a named port
 * never an IP destination's; the {@code source} of an egress rule is the pod itself. A criterion
 * that cannot be decided (a Kubernetes Service, the pod's own address or port) makes the rule
 * undecided unless another criterion rules the packet out. Pure.
 *
 * @param index its index in {@code spec.egress}
 * @param action what it does when it holds
 * @param ipVersion 4, 6 or null (any)
 * @param protocol the protocol it requires, or null
 * @param notProtocol the protocol it excludes, or null
 * @param source the source criteria (the pod)
 * @param destination the destination criteria
 * @param undecidable why the rule cannot be decided at all (a field not evaluated), or null
 */
record CalicoRule(
    int index,
    Action action,
    Integer ipVersion,
    Protocol protocol,
    Protocol notProtocol,
    Entity source,
    Entity destination,
    String undecidable) {

  /** A rule's action. */
  enum Action {
    ALLOW,
    DENY,
    PASS,
    /** Logs, and processing goes on with the next rule. */
    LOG
  }

  /** A protocol by name (upper case) or number. */
  record Protocol(String name, int number) {
    private static final List<String> NAMES =
        List.of("TCP", "UDP", "ICMP", "ICMPV6", "SCTP", "UDPLITE");

    /** {@code TCP}, {@code udp}, {@code 6}; null when it is none of Calico's. */
    static Protocol parse(Object v) {
      if (v instanceof Number n) {
        return n.doubleValue() == n.intValue() && n.intValue() >= 1 && n.intValue() <= 255
            ? new Protocol(null, n.intValue())
            : null;
      }
      if (v instanceof String s) {
        String u = s.toUpperCase(Locale.ROOT);
        if (NAMES.contains(u)) {
          return new Protocol(u, 0);
        }
        if (!s.isEmpty() && s.length() <= 3 && s.chars().allMatch(Character::isDigit)) {
          return parse(Integer.parseInt(s));
        }
      }
      return null;
    }

    private int numeric() {
      if (name == null) {
        return number;
      }
      return switch (name) {
        case "TCP" -> 6;
        case "UDP" -> 17;
        case "ICMP" -> 1;
        case "ICMPV6" -> 58;
        case "SCTP" -> 132;
        default -> 136; // UDPLite
      };
    }

    boolean supportsPorts() {
      int n = numeric();
      return n == 6 || n == 17 || n == 132 || n == 136;
    }

    boolean holds(String destination) {
      Protocol d = parse(destination);
      return d != null && d.numeric() == numeric();
    }
  }

  /** A port: a number range, or a named port (never an IP destination's). */
  record Port(int from, int to, String name) {
    boolean holds(int port) {
      return name == null && (port <= 0 || port >= from && port <= to);
    }
  }

  /** {@code serviceAccounts}: by name and by the accounts' labels. */
  record Accounts(List<String> names, CalicoSelector selector) {}

  /**
   * A {@code source} or {@code destination}.
   *
   * @param field {@code source} or {@code destination}
   * @param services whether it names a Kubernetes Service
   * @param undecidable a field of it not evaluated ({@code .notICMP}), or null
   */
  record Entity(
      String field,
      List<Cidr> nets,
      List<Cidr> notNets,
      CalicoSelector selector,
      CalicoSelector notSelector,
      CalicoSelector namespaceSelector,
      List<Port> ports,
      List<Port> notPorts,
      Accounts accounts,
      boolean services,
      String undecidable) {
    Entity {
      nets = List.copyOf(nets);
      notNets = List.copyOf(notNets);
      ports = List.copyOf(ports);
      notPorts = List.copyOf(notPorts);
    }

    static Entity none(String field) {
      return new Entity(
          field, List.of(), List.of(), null, null, null, List.of(), List.of(), null, false, null);
    }
  }

  /** Whether the destination's ports leave some port out ({@code ports} short of 1-65535). */
  private static boolean somePortsOnly(Entity to) {
    boolean all =
        to.ports().isEmpty()
            || to.ports().stream()
                .anyMatch(p -> p.name() == null && p.from() <= 1 && p.to() >= 65535);
    return !all || !to.notPorts().isEmpty();
  }

  /** Whether a rule holds: yes, no, or undecided (why != null). */
  record Match(boolean holds, String why) {
    static final Match NO = new Match(false, null);
    static final Match YES = new Match(true, null);

    static Match undecided(String why) {
      return new Match(false, why);
    }
  }

  /**
   * Whether the rule holds a packet from the pod to {@code d}.
   *
   * @param namespace the policy's namespace, or null for a global one (the selectors' scope)
   */
  Match match(String namespace, Endpoint pod, Destination d, NetworkSets sets) {
    int version = d.ip().getAddress().length == 4 ? 4 : 6;
    if (ipVersion != null && ipVersion != version) {
      return Match.NO;
    }
    if (protocol != null && !protocol.holds(d.protocol())) {
      return Match.NO;
    }
    if (notProtocol != null && notProtocol.holds(d.protocol())) {
      return Match.NO;
    }
    Entity to = destination;
    if (!to.nets().isEmpty() && to.nets().stream().noneMatch(c -> c.contains(d.ip()))) {
      return Match.NO;
    }
    if (to.notNets().stream().anyMatch(c -> c.contains(d.ip()))) {
      return Match.NO;
    }
    if (!to.ports().isEmpty() && to.ports().stream().noneMatch(p -> p.holds(d.port()))) {
      return Match.NO;
    }
    if (d.port() > 0 && to.notPorts().stream().anyMatch(p -> p.holds(d.port()))) {
      return Match.NO;
    }
    if (d.port() <= 0 && (action == Action.DENY || action == Action.PASS) && somePortsOnly(to)) {
      // "any port" asks whether some port is reachable: a deny (or pass) of some ports does not
      // answer it, the ports it leaves do
      return Match.undecided(
          ".destination.ports: holds some ports only, and the destination names no port (give"
              + " --to a port)");
    }
    if (to.accounts() != null) {
      return Match.NO; // selects endpoints by their service account: never an IP destination
    }
    String why = null;
    if (to.selector() != null || to.notSelector() != null || to.namespaceSelector() != null) {
      Boolean set = sets.holds(namespace, to, d);
      if (set == null) {
        why = ".destination: " + sets.why(namespace, to, d);
      } else if (!set) {
        return Match.NO;
      }
    }
    Boolean self = source(namespace, pod);
    if (self != null && !self) {
      return Match.NO;
    }
    if (why == null && self == null) {
      why = ".source: selects by the pod's service account, which is not known";
    }
    if (why == null && to.services()) {
      why = ".destination.services: a Kubernetes Service's endpoints, not known here";
    }
    if (why == null && to.undecidable() != null) {
      why = to.undecidable();
    }
    if (why == null && (!source.nets().isEmpty() || !source.notNets().isEmpty())) {
      why = ".source.nets: the pod's own address is not known here";
    }
    if (why == null && (!source.ports().isEmpty() || !source.notPorts().isEmpty())) {
      why = ".source.ports: the packet's source port is not known here";
    }
    if (why == null && source.undecidable() != null) {
      why = source.undecidable();
    }
    if (why == null && undecidable != null) {
      why = undecidable;
    }
    return why == null ? Match.YES : Match.undecided(why);
  }

  /**
   * Whether the source criteria select the pod: the selectors over its endpoint (in scope: its
   * namespace's labels for namespaceSelector, {@code global()} never a pod), its service account.
   */
  private Boolean source(String namespace, Endpoint pod) {
    Entity s = source;
    Boolean out = true;
    if (s.namespaceSelector() != null) {
      if (s.namespaceSelector().isGlobal()) {
        return false;
      }
      out = and(out, s.namespaceSelector().test(pod.namespaceLabels(), k -> false));
    } else if (namespace != null && !namespace.equals(pod.namespace())) {
      // a namespaced policy's source selector scope is its namespace (it selects only its own)
      out = and(out, false);
    }
    if (s.selector() != null) {
      out = and(out, s.selector().test(pod.labels(), pod.unknownLabel()));
    }
    if (s.notSelector() != null) {
      Boolean v = s.notSelector().test(pod.labels(), pod.unknownLabel());
      out = and(out, v == null ? null : !v);
    }
    if (s.accounts() != null) {
      Accounts a = s.accounts();
      String sa = pod.serviceAccount();
      if (!a.names().isEmpty()) {
        out = and(out, sa == null ? null : a.names().contains(sa));
      }
      if (a.selector() != null) {
        out = and(out, a.selector().test(pod.accountLabels(), pod.unknownAccountLabel()));
      }
    }
    return out;
  }

  static Boolean and(Boolean a, Boolean b) {
    if (Boolean.FALSE.equals(a) || Boolean.FALSE.equals(b)) {
      return false;
    }
    return a == null || b == null ? null : true;
  }
}
