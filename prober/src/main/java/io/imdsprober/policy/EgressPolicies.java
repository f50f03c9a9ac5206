package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The egress semantics of networking.k8s.io/v1 NetworkPolicy for IP destinations, IPv4 and IPv6
 * (DESIGN.md "Policy coverage"): a policy applies to egress when its policyTypes name Egress, or
 * when they are omitted and it has egress rules; a pod that no egress policy selects may reach
 * anything; a selected pod may reach what some rule of some selecting policy allows (policies,
 * rules and peers are unions); an ipBlock allows its cidr but not its except entries; pod and
 * namespace selector peers select pods, never an IP destination; ports match by protocol (TCP by
 * default), port or port..endPort, and a named port never matches an IP destination. A policy that
 * breaks the API's rules is reported as invalid, by name, and a pod it selects gets no answer
 * rather than a guess. Pure: objects in, decisions out.
 */
public final class EgressPolicies {
  /** A destination: an IP address, a port (0: any port) and a protocol (TCP, UDP or SCTP). */
  public record Destination(InetAddress ip, int port, String protocol) {
    /** {@code 169.254.169.254:80/TCP}, {@code [fd00:ec2::254]:80/TCP}, {@code 10.0.0.1:* /UDP}. */
    public String word() {
      String host = io.imdsprober.util.IpLiteral.canonical(ip);
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
          + ":"
          + (port <= 0 ? "*" : String.valueOf(port))
          + "/"
          + protocol;
    }
  }

  /** What the policies say for one pod and one destination. */
  public enum Outcome {
    ALLOWED,
    DENIED,
    /** An invalid policy selects the pod and no valid one allows: no answer, not a guess. */
    UNKNOWN
  }

  /**
   * @param isolated whether some egress policy selects the pod
   * @param outcome allowed, denied, or unknown
   * @param by the policies ({@code namespace/name}) whose rules allow it; empty when not isolated
   * @param rules the allowing rules ({@code namespace/name egress[i]}), for remediation
   */
  public record Decision(boolean isolated, Outcome outcome, List<String> by, List<String> rules) {
    public Decision {
      by = List.copyOf(by);
      rules = List.copyOf(rules);
    }
  }

  private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

  /** The egress (and invalid) policies, by namespace: a pod is only ever selected by its own. */
  private final Map<String, List<NetworkPolicy>> egress = new java.util.HashMap<>();

  private final Map<String, String> invalid = new LinkedHashMap<>();

  public EgressPolicies(List<NetworkPolicy> policies) {
    for (NetworkPolicy p : policies) {
      String problem = problem(p);
      if (problem != null) {
        invalid.put(name(p), problem);
      }
      if (problem != null || appliesToEgress(p)) {
        egress.computeIfAbsent(namespaceOf(p), k -> new ArrayList<>()).add(p);
      }
    }
  }

  /** The invalid policies, {@code namespace/name} to what is wrong. */
  public Map<String, String> invalid() {
    return Map.copyOf(invalid);
  }

  /** What the policies decide for a pod of {@code namespace} with {@code labels}. */
  public Decision decide(String namespace, Map<String, String> labels, Destination d) {
    String ns = namespace == null || namespace.isEmpty() ? "default" : namespace;
    boolean selected = false;
    boolean unknown = false;
    List<String> by = new ArrayList<>();
    List<String> rules = new ArrayList<>();
    for (NetworkPolicy p : egress.getOrDefault(ns, List.of())) {
      if (invalid.containsKey(name(p))) {
        // an invalid selector cannot say whom it selects; a valid one still can
        LabelSelector s = p.getSpec() == null ? null : p.getSpec().getPodSelector();
        if (s == null || Selectors.problem(s) != null || Selectors.matches(s, labels)) {
          unknown = true;
          selected = true;
        }
        continue;
      }
      if (!Selectors.matches(p.getSpec().getPodSelector(), labels)) {
        continue;
      }
      selected = true;
      List<NetworkPolicyEgressRule> egressRules =
          p.getSpec().getEgress() == null ? List.of() : p.getSpec().getEgress();
      boolean allows = false;
      for (int i = 0; i < egressRules.size(); i++) {
        Match m = allows(egressRules.get(i), d);
        if (m == Match.YES) {
          allows = true;
          rules.add(name(p) + " egress[" + i + "]");
        } else if (m == Match.MAPPED) {
          unknown = true; // allowed or not depending on how the CNI reads an IPv4-mapped block
        }
      }
      if (allows) {
        by.add(name(p));
      }
    }
    if (!selected) {
      return new Decision(false, Outcome.ALLOWED, List.of(), List.of());
    }
    Outcome o = !by.isEmpty() ? Outcome.ALLOWED : unknown ? Outcome.UNKNOWN : Outcome.DENIED;
    return new Decision(true, o, by, rules);
  }

  /** Whether policyTypes name Egress, or are omitted and there are egress rules. */
  static boolean appliesToEgress(NetworkPolicy p) {
    List<String> types = p.getSpec() == null ? null : p.getSpec().getPolicyTypes();
    if (types == null || types.isEmpty()) {
      return p.getSpec() != null
          && p.getSpec().getEgress() != null
          && !p.getSpec().getEgress().isEmpty();
    }
    return types.contains("Egress");
  }

  /**
   * Whether a rule or block holds a destination: yes, no, or only through the IPv4 reading of an
   * IPv4-mapped IPv6 block ({@link Cidr#mappedIpv4()}), which the API server does not make (the
   * block is IPv6) but a CNI that matches with Go's {@code net.IPNet.Contains} does: then whether
   * the destination is allowed depends on the CNI, and the decision is not a certain denial.
   */
  private enum Match {
    NO,
    YES,
    MAPPED
  }

  private static Match allows(NetworkPolicyEgressRule rule, Destination d) {
    List<NetworkPolicyPeer> to = rule.getTo();
    Match peer = to == null || to.isEmpty() ? Match.YES : Match.NO;
    if (peer == Match.NO) {
      for (NetworkPolicyPeer p : to) {
        Match m = p.getIpBlock() == null ? Match.NO : inBlock(p.getIpBlock(), d.ip());
        if (m == Match.YES) {
          peer = Match.YES;
          break;
        }
        if (m == Match.MAPPED) {
          peer = Match.MAPPED;
        }
      }
    }
    if (peer == Match.NO) {
      return Match.NO;
    }
    List<NetworkPolicyPort> ports = rule.getPorts();
    if (ports == null || ports.isEmpty()) {
      return peer;
    }
    for (NetworkPolicyPort port : ports) {
      if (portMatches(port, d)) {
        return peer;
      }
    }
    return Match.NO;
  }

  private static Match inBlock(IPBlock block, InetAddress ip) {
    Cidr cidr = Cidr.parse(block.getCidr());
    List<String> excepts = block.getExcept() == null ? List.of() : block.getExcept();
    if (cidr.contains(ip)) {
      for (String except : excepts) {
        if (Cidr.parse(except).contains(ip)) {
          return Match.NO;
        }
      }
      return Match.YES;
    }
    Cidr mapped = cidr.mappedIpv4();
    if (mapped == null || !mapped.contains(ip)) {
      return Match.NO;
    }
    for (String except : excepts) {
      Cidr x = Cidr.parse(except).mappedIpv4();
      if (x != null && x.contains(ip)) {
        return Match.NO; // excluded under both readings
      }
    }
    return Match.MAPPED;
  }

  /**
   * The valid policies with an IPv4-mapped IPv6 ipBlock whose IPv4 reading holds one of {@code to}:
   * {@code namespace/name} to where and why. Their decisions for those destinations are unknown,
   * not denied (see {@link Match}); the comparison names them beside the invalid ones.
   */
  public Map<String, String> mapped(List<Destination> to) {
    Map<String, String> out = new LinkedHashMap<>();
    for (List<NetworkPolicy> ps : egress.values()) {
      for (NetworkPolicy p : ps) {
        if (invalid.containsKey(name(p)) || p.getSpec().getEgress() == null) {
          continue;
        }
        List<NetworkPolicyEgressRule> rules = p.getSpec().getEgress();
        for (int i = 0; i < rules.size() && !out.containsKey(name(p)); i++) {
          List<NetworkPolicyPeer> peers =
              rules.get(i).getTo() == null ? List.of() : rules.get(i).getTo();
          for (int j = 0; j < peers.size(); j++) {
            IPBlock b = peers.get(j).getIpBlock();
            Cidr m = b == null ? null : Cidr.parse(b.getCidr()).mappedIpv4();
            for (Destination d : m == null ? List.<Destination>of() : to) {
              if (inBlock(b, d.ip()) == Match.MAPPED) {
                out.put(
                    name(p),
                    "spec.egress["
                        + i
                        + "].to["
                        + j
                        + "]: ipBlock.cidr "
                        + b.getCidr()
                        + " is IPv4-mapped IPv6: IPv6 to the API server, IPv4 to a CNI that"
                        + " matches with Go's net.IPNet.Contains, and then it holds "
                        + d.word());
                break;
              }
            }
          }
        }
      }
    }
    return out;
  }

  private static boolean portMatches(NetworkPolicyPort port, Destination d) {
    String protocol = port.getProtocol() == null ? "TCP" : port.getProtocol();
    if (!protocol.equals(d.protocol())) {
      return false;
    }
    IntOrString p = port.getPort();
    if (p == null) {
      return true;
    }
    if (d.port() <= 0) {
      // any port of the destination: a numbered port of the rule is one
      return p.getIntVal() != null;
    }
    if (p.getIntVal() == null) {
      return false; // a named port: a container port's name, never an IP destination's
    }
    int from = p.getIntVal();
    int to = port.getEndPort() == null ? from : port.getEndPort();
    return d.port() >= from && d.port() <= to;
  }

  /** What makes a policy invalid, the API server's rules: null when it is valid. */
  static String problem(NetworkPolicy p) {
    if (p.getSpec() == null) {
      return "no spec";
    }
    if (p.getSpec().getPodSelector() == null) {
      return "spec.podSelector is required";
    }
    String s = Selectors.problem(p.getSpec().getPodSelector());
    if (s != null) {
      return "spec.podSelector: " + s;
    }
    for (String t :
        p.getSpec().getPolicyTypes() == null ? List.<String>of() : p.getSpec().getPolicyTypes()) {
      if (!t.equals("Ingress") && !t.equals("Egress")) {
        return "spec.policyTypes: '" + t + "' is not Ingress or Egress";
      }
    }
    List<NetworkPolicyEgressRule> rules =
        p.getSpec().getEgress() == null ? List.of() : p.getSpec().getEgress();
    for (int i = 0; i < rules.size(); i++) {
      String where = "spec.egress[" + i + "]";
      NetworkPolicyEgressRule r = rules.get(i);
      List<NetworkPolicyPeer> to = r.getTo() == null ? List.of() : r.getTo();
      for (int j = 0; j < to.size(); j++) {
        String problem = peerProblem(to.get(j));
        if (problem != null) {
          return where + ".to[" + j + "]: " + problem;
        }
      }
      List<NetworkPolicyPort> ports = r.getPorts() == null ? List.of() : r.getPorts();
      for (int j = 0; j < ports.size(); j++) {
        String problem = portProblem(ports.get(j));
        if (problem != null) {
          return where + ".ports[" + j + "]: " + problem;
        }
      }
    }
    return null;
  }

  private static String peerProblem(NetworkPolicyPeer peer) {
    IPBlock block = peer.getIpBlock();
    if (block != null) {
      if (peer.getPodSelector() != null || peer.getNamespaceSelector() != null) {
        return "ipBlock cannot be combined with a pod or namespace selector";
      }
      Cidr cidr;
      try {
        cidr = Cidr.parse(block.getCidr());
      } catch (IllegalArgumentException e) {
        return "ipBlock.cidr " + e.getMessage();
      }
      for (String except : block.getExcept() == null ? List.<String>of() : block.getExcept()) {
        Cidr x;
        try {
          x = Cidr.parse(except);
        } catch (IllegalArgumentException e) {
          return "ipBlock.except " + e.getMessage();
        }
        if (!cidr.covers(x)) {
          return "ipBlock.except " + except + " is outside its cidr " + block.getCidr();
        }
        if (x.prefix() <= cidr.prefix()) {
          return "ipBlock.except "
              + except
              + " is not a strict subset of its cidr "
              + block.getCidr();
        }
      }
      return null;
    }
    if (peer.getPodSelector() == null && peer.getNamespaceSelector() == null) {
      return "a peer needs an ipBlock, a podSelector or a namespaceSelector";
    }
    String s = Selectors.problem(peer.getPodSelector());
    if (s == null) {
      s = Selectors.problem(peer.getNamespaceSelector());
    }
    return s;
  }

  private static String portProblem(NetworkPolicyPort port) {
    if (port.getProtocol() != null && !PROTOCOLS.contains(port.getProtocol())) {
      return "protocol '" + port.getProtocol() + "' is not TCP, UDP or SCTP";
    }
    IntOrString p = port.getPort();
    if (p != null && p.getIntVal() != null && (p.getIntVal() < 1 || p.getIntVal() > 65535)) {
      return "port " + p.getIntVal() + " is outside 1-65535";
    }
    if (port.getEndPort() != null) {
      if (p == null || p.getIntVal() == null) {
        return "endPort " + port.getEndPort() + " needs a numeric port";
      }
      if (port.getEndPort() < p.getIntVal() || port.getEndPort() > 65535) {
        return "endPort "
            + port.getEndPort()
            + " is below port "
            + p.getIntVal()
            + " or above 65535";
      }
    }
    return null;
  }

  private static String namespaceOf(NetworkPolicy p) {
    String ns = p.getMetadata() == null ? null : p.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? "default" : ns;
  }

  private static String name(NetworkPolicy p) {
    return namespaceOf(p) + "/" + (p.getMetadata() == null ? "?" : p.getMetadata().getName());
  }
}
