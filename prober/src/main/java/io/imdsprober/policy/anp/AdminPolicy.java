package io.imdsprober.policy.anp;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.imdsprober.policy.Cidr;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.Selectors;
import io.imdsprober.policy.chain.Answer;
import io.imdsprober.policy.chain.Answer.Say;
import io.imdsprober.policy.chain.Subject;
import java.util.List;

/**
 * One AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy as read by {@link
 * AdminPolicies}: its subject, priority and egress rules in their order. Semantics (KEP-2091,
 * network-policy-api.sigs.k8s.io/reference/spec/): within one policy the first rule that holds the
 * destination decides; a {@code networks} peer holds its CIDRs; {@code namespaces} and {@code pods}
 * peers select pods, never an IP destination; a {@code nodes} peer holds the nodes' addresses,
 * which are not known here (undecided); ports match by protocol (TCP by default), number or range,
 * and a named port never matches an IP destination; a policy without egress rules does not act on
 * egress. Pure.
 *
 * @param kind {@code AdminNetworkPolicy}, {@code BaselineAdminNetworkPolicy} or {@code
 *     ClusterNetworkPolicy}
 * @param name the object's name
 * @param baseline whether it belongs to the baseline tier (after NetworkPolicy)
 * @param priority lower first; null when the kind has none (BANP) or it cannot be read
 * @param subject whom it selects, or null when that cannot be read
 * @param rules the egress rules, in order
 * @param problem why the object is invalid, or null
 */
public record AdminPolicy(
    String kind,
    String name,
    boolean baseline,
    Integer priority,
    Selection subject,
    List<Rule> rules,
    String problem) {
  public AdminPolicy {
    rules = List.copyOf(rules);
  }

  /**
   * The subject: every pod of the namespaces {@code namespaces} selects, or the pods {@code pods}
   * selects in the namespaces {@code podNamespaces} selects.
   */
  public record Selection(
      LabelSelector namespaces, LabelSelector podNamespaces, LabelSelector pods) {
    boolean selects(Subject s) {
      if (namespaces != null) {
        return Selectors.matches(namespaces, s.namespaceLabels());
      }
      return Selectors.matches(podNamespaces, s.namespaceLabels())
          && Selectors.matches(pods, s.labels());
    }
  }

  /** One peer of a rule's {@code to}. */
  public sealed interface Peer {}

  /** {@code networks}: CIDRs. */
  public record Networks(List<Cidr> cidrs) implements Peer {
    public Networks {
      cidrs = List.copyOf(cidrs);
    }
  }

  /** {@code namespaces} or {@code pods}: pods, never an IP destination. */
  public record Pods() implements Peer {}

  /**
   * A peer this evaluator cannot decide for an IP destination ({@code nodes}, or a field it does
   * not know), with the reason.
   */
  public record Undecidable(String why) implements Peer {}

  /** A port: a number range of a protocol, or a named port (never an IP destination's). */
  public record Port(String protocol, int from, int to, boolean named) {}

  /**
   * One egress rule.
   *
   * @param index its index in {@code spec.egress}
   * @param action allow, deny or pass
   * @param to its peers
   * @param ports its ports (empty: every port)
   * @param undecidable why the rule cannot be decided at all (a field not evaluated), or null
   */
  public record Rule(int index, Say action, List<Peer> to, List<Port> ports, String undecidable) {
    public Rule {
      to = List.copyOf(to);
      ports = List.copyOf(ports);
    }
  }

  /** How reports name it: {@code AdminNetworkPolicy deny-imds}. */
  public String display() {
    return kind + " " + name;
  }

  /** Whether it acts on the pod's egress: it selects it and has egress rules (or is invalid). */
  public boolean selects(Subject s) {
    if (problem != null) {
      return subject == null || subject.selects(s);
    }
    return !rules.isEmpty() && subject.selects(s);
  }

  /** What it says for the pod and destination: its first rule that holds the destination. */
  public Answer answer(Subject s, Destination d) {
    if (!selects(s)) {
      return Answer.NONE;
    }
    if (problem != null) {
      return Answer.undecided(List.of(display() + " is invalid: " + problem));
    }
    for (Rule r : rules) {
      String word = display() + " egress[" + r.index() + "]";
      Match m = match(r, d);
      if (m.holds) {
        return Answer.of(r.action(), display(), word);
      }
      if (m.why != null) {
        return Answer.undecided(List.of(word + m.why));
      }
    }
    return Answer.NONE;
  }

  /** Whether a rule holds the destination: yes, no, or undecided (why != null). */
  private record Match(boolean holds, String why) {
    static final Match NO = new Match(false, null);
    static final Match YES = new Match(true, null);
  }

  private static Match match(Rule r, Destination d) {
    Match peer = Match.NO;
    for (int j = 0; j < r.to().size() && !peer.holds; j++) {
      Peer p = r.to().get(j);
      if (p instanceof Networks n) {
        if (n.cidrs().stream().anyMatch(c -> c.contains(d.ip()))) {
          peer = Match.YES;
        }
      } else if (p instanceof Undecidable u && peer.why == null) {
        peer = new Match(false, ".to[" + j + "]" + u.why());
      }
    }
    if (!peer.holds && peer.why == null) {
      return Match.NO;
    }
    if (!r.ports().isEmpty() && r.ports().stream().noneMatch(p -> portMatches(p, d))) {
      return Match.NO;
    }
    if (d.port() <= 0
        && r.action() != Say.ALLOW
        && !r.ports().isEmpty()
        && r.ports().stream().noneMatch(p -> !p.named() && p.from() <= 1 && p.to() >= 65535)) {
      // "any port" asks whether some port is reachable: a deny (or pass) of some ports does not
      // answer it, the ports it leaves do
      return new Match(
          false,
          ".ports: holds some ports only, and the destination names no port (give --to a port)");
    }
    if (r.undecidable() != null) {
      return new Match(false, r.undecidable());
    }
    return peer;
  }

  private static boolean portMatches(Port p, Destination d) {
    if (p.named() || !p.protocol().equals(d.protocol())) {
      return false; // a named port is a container port's name, never an IP destination's
    }
    return d.port() <= 0 || (d.port() >= p.from() && d.port() <= p.to());
  }
}
