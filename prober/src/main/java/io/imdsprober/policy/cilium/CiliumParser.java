package io.imdsprober.policy.cilium;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.imdsprober.policy.cilium.CiliumPolicy.Cidrs;
import io.imdsprober.policy.cilium.CiliumPolicy.Egress;
import io.imdsprober.policy.cilium.CiliumPolicy.Entity;
import io.imdsprober.policy.cilium.CiliumPolicy.Peer;
import io.imdsprober.policy.cilium.CiliumPolicy.PortRule;
import io.imdsprober.policy.cilium.CiliumPolicy.Rule;
import io.imdsprober.policy.cilium.CiliumPolicy.Undecidable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy ({@code cilium.io/v2}) from its
 * maps (fabric8 has no typed model of it), checking what Cilium's rule validation checks
 * (pkg/policy/api/rule_validation.go): exactly one of {@code endpointSelector} and {@code
 * nodeSelector}; at most one kind of L3 peer per rule ("Combining ToCIDR and ToEntities is not
 * supported yet"); {@code toServices} without {@code toPorts}; {@code icmps} without {@code
 * toPorts}; CIDRs as {@code netip.ParsePrefix} reads them with every {@code except} inside its
 * {@code cidr}; a known entity; ports 0-65535 or a name, protocols TCP, UDP, SCTP, ANY (ICMP and
 * the like never hold a TCP/UDP/SCTP destination); L7 rules only on an allow. A rule that breaks
 * one makes the whole object invalid (Cilium refuses the object), named with the field. Pure.
 */
final class CiliumParser {

  /** The fields of an egress rule not decidable for an IP destination, with why. */
  private static final Map<String, String> UNDECIDABLE =
      Map.of(
          "toFQDNs", "the addresses come from DNS answers seen at run time",
          "toServices", "the addresses are a Service's backends",
          "toGroups", "the addresses come from a cloud provider's group",
          "toNodes", "a node peer holds the nodes' addresses, which are not known here");

  private static final List<String> L3 =
      List.of(
          "toCIDR",
          "toCIDRSet",
          "toEndpoints",
          "toEntities",
          "toServices",
          "toFQDNs",
          "toGroups",
          "toNodes");

  private CiliumParser() {}

  /** A problem with the object, named by its field. */
  static final class Bad extends Exception {
    Bad(String message) {
      super(message, null, false, false);
    }
  }

  /** One object, read; invalid (with the problem named) when Cilium would refuse it. */
  static CiliumPolicy read(HasMetadata o) {
    String kind = o.getKind();
    boolean clusterwide = CiliumPolicy.CCNP.equals(kind);
    String name = o.getMetadata() == null ? "?" : String.valueOf(o.getMetadata().getName());
    String namespace = null;
    if (!clusterwide) {
      String ns = o.getMetadata() == null ? null : o.getMetadata().getNamespace();
      namespace = ns == null || ns.isEmpty() ? "default" : ns;
    }
    String display = kind + " " + (namespace == null ? name : namespace + "/" + name);
    List<Rule> rules = new ArrayList<>();
    String problem = null;
    Map<String, Object> props =
        o instanceof GenericKubernetesResource g ? g.getAdditionalProperties() : null;
    try {
      if (!"cilium.io/v2".equals(o.getApiVersion())) {
        throw new Bad("apiVersion " + o.getApiVersion() + " is not read (only cilium.io/v2)");
      }
      Object spec = props == null ? null : props.get("spec");
      Object specs = props == null ? null : props.get("specs");
      if (spec == null && specs == null) {
        throw new Bad("no spec or specs");
      }
      if (spec != null) {
        rules.add(rule(display, "", spec));
      }
      List<Object> list = list(specs, "specs");
      for (int k = 0; k < list.size(); k++) {
        rules.add(rule(display, "specs[" + k + "].", list.get(k)));
      }
    } catch (Bad e) {
      problem = e.getMessage();
      rules = salvage(props);
    } catch (RuntimeException e) {
      // a shape no check above foresaw: named, never a crash and never a decision
      problem = "cannot be read (" + e.getClass().getSimpleName() + ")";
      rules = salvage(props);
    }
    return new CiliumPolicy(kind, namespace, name, rules, problem);
  }

  /**
   * The selectors of an invalid object's rules, as far as they can be read: a pod no readable
   * selector of it could select is left alone; a rule whose selector cannot be read may select any
   * pod (of its namespace).
   */
  private static List<Rule> salvage(Map<String, Object> props) {
    List<Object> specs = new ArrayList<>();
    if (props != null && props.get("spec") != null) {
      specs.add(props.get("spec"));
    }
    if (props != null && props.get("specs") instanceof List<?> l) {
      specs.addAll(l);
    }
    List<Rule> out = new ArrayList<>();
    for (Object s : specs) {
      Map<String, Object> m = map(s);
      EndpointSelector selector = null;
      boolean nodes =
          m != null && m.get("nodeSelector") != null && m.get("endpointSelector") == null;
      if (m != null && m.get("endpointSelector") != null) {
        try {
          selector = EndpointSelector.parse(m.get("endpointSelector"));
        } catch (IllegalArgumentException e) {
          selector = null;
        }
      }
      out.add(new Rule("", selector, nodes, List.of(), List.of(), Tri.YES));
    }
    if (out.isEmpty()) {
      out.add(new Rule("", null, false, List.of(), List.of(), Tri.YES));
    }
    return out;
  }

  private static Rule rule(String display, String at, Object v) throws Bad {
    Map<String, Object> r = map(v);
    if (r == null) {
      throw new Bad(at + "spec is not an object");
    }
    Object es = r.get("endpointSelector");
    Object ns = r.get("nodeSelector");
    if ((es == null) == (ns == null)) {
      throw new Bad(at + "a rule needs exactly one of endpointSelector and nodeSelector");
    }
    EndpointSelector selector = null;
    try {
      selector = EndpointSelector.parse(es != null ? es : ns);
    } catch (IllegalArgumentException e) {
      throw new Bad(at + (es != null ? "endpointSelector: " : "nodeSelector: ") + e.getMessage());
    }
    List<Object> egress = list(r.get("egress"), at + "egress");
    List<Object> denied = list(r.get("egressDeny"), at + "egressDeny");
    List<Egress> allow = new ArrayList<>();
    for (int i = 0; i < egress.size(); i++) {
      allow.add(
          egress(
              display + " " + at + "egress[" + i + "]",
              at + "egress[" + i + "]",
              egress.get(i),
              false,
              es == null));
    }
    List<Egress> deny = new ArrayList<>();
    for (int i = 0; i < denied.size(); i++) {
      deny.add(
          egress(
              display + " " + at + "egressDeny[" + i + "]",
              at + "egressDeny[" + i + "]",
              denied.get(i),
              true,
              es == null));
    }
    return new Rule(
        at,
        es == null ? null : selector,
        es == null,
        allow,
        deny,
        defaultDeny(display, at, r, !egress.isEmpty() || !denied.isEmpty()));
  }

  /**
   * Whether the rule puts the endpoints it selects in default deny for egress (Cilium 1.15 and
   * later, rule_validation.go Sanitize and repository.go computePolicyEnforcementAndRules): only a
   * rule with egress or egressDeny rules counts, and it does unless {@code
   * enableDefaultDeny.egress} is false. An {@code egress: []} list alone is not known: the docs'
   * egress-default-deny example writes it to mean default deny, the agent's code ({@code
   * len(r.Egress) > 0}) does not count it.
   */
  private static Tri defaultDeny(String display, String at, Map<String, Object> r, boolean rules)
      throws Bad {
    Object edd = r.get("enableDefaultDeny");
    Boolean egress = null;
    if (edd != null) {
      Map<String, Object> m = map(edd);
      if (m == null) {
        throw new Bad(at + "enableDefaultDeny is not an object");
      }
      Object e = m.get("egress");
      if (e != null && !(e instanceof Boolean)) {
        throw new Bad(at + "enableDefaultDeny.egress '" + e + "' is not true or false");
      }
      egress = (Boolean) e;
    }
    if (Boolean.FALSE.equals(egress)) {
      return Tri.NO;
    }
    if (rules) {
      return Tri.YES;
    }
    if (r.get("egress") instanceof List<?> l && l.isEmpty()) {
      return Tri.unknown(
          display
              + " "
              + at
              + "egress: an empty list; the docs read it as default deny, the agent's code as no"
              + " egress section");
    }
    return Tri.NO;
  }

  private static Egress egress(String word, String where, Object v, boolean deny, boolean host)
      throws Bad {
    Map<String, Object> r = map(v);
    if (r == null) {
      throw new Bad(where + " is not an object");
    }
    List<String> present = L3.stream().filter(k -> !list(r, k).isEmpty()).toList();
    if (present.size() > 1) {
      throw new Bad(
          where
              + " combines "
              + present.get(0)
              + " and "
              + present.get(1)
              + ", which Cilium refuses (\"Combining "
              + present.get(0)
              + " and "
              + present.get(1)
              + " is not supported yet\")");
    }
    List<Peer> peers = new ArrayList<>();
    for (Object c : list(r.get("toCIDR"), where + ".toCIDR")) {
      peers.add(new Cidrs(CiliumPeers.cidr(c, where + ".toCIDR"), List.of()));
    }
    List<Object> sets = list(r.get("toCIDRSet"), where + ".toCIDRSet");
    for (int j = 0; j < sets.size(); j++) {
      peers.add(
          CiliumPeers.cidrSet(
              sets.get(j), where + ".toCIDRSet[" + j + "]", "toCIDRSet[" + j + "]"));
    }
    List<Object> entities = list(r.get("toEntities"), where + ".toEntities");
    for (int j = 0; j < entities.size(); j++) {
      String e = String.valueOf(entities.get(j));
      if (!Entities.KNOWN.contains(e)) {
        throw new Bad(where + ".toEntities[" + j + "]: unsupported entity '" + e + "'");
      }
      peers.add(new Entity(e, "toEntities[" + j + "]"));
    }
    List<Object> endpoints = list(r.get("toEndpoints"), where + ".toEndpoints");
    for (int j = 0; j < endpoints.size(); j++) {
      peers.add(
          CiliumPeers.endpoints(
              endpoints.get(j), where + ".toEndpoints[" + j + "]", "toEndpoints[" + j + "]", word));
    }
    for (Map.Entry<String, String> u : UNDECIDABLE.entrySet()) {
      if (!list(r, u.getKey()).isEmpty()) {
        peers.add(
            new Undecidable(
                u.getKey() + ": not decidable for an IP destination (" + u.getValue() + ")"));
      }
    }
    List<Object> ports = list(r.get("toPorts"), where + ".toPorts");
    List<Object> icmps = list(r.get("icmps"), where + ".icmps");
    if (!icmps.isEmpty() && !ports.isEmpty()) {
      throw new Bad(where + ": icmps may only be present without toPorts");
    }
    if (!list(r, "toServices").isEmpty() && !ports.isEmpty()) {
      throw new Bad(where + ": combining toServices and toPorts is not supported");
    }
    List<PortRule> portRules = new ArrayList<>();
    for (int j = 0; j < ports.size(); j++) {
      portRules.add(
          CiliumPorts.portRule(
              ports.get(j), where + ".toPorts[" + j + "]", "toPorts[" + j + "]", deny, host));
    }
    String undecidable = null;
    if (!list(r, "toRequires").isEmpty()) {
      undecidable =
          "toRequires: restricts every egress of the endpoints it selects to peers with those"
              + " labels (deprecated, removed in Cilium 1.19): not evaluated";
    } else if (r.get("authentication") != null) {
      undecidable = "authentication: mutual authentication decides at run time";
    } else {
      for (String key : r.keySet()) {
        if (!L3.contains(key)
            && !Set.of("toPorts", "icmps", "toRequires", "authentication").contains(key)) {
          undecidable = key + ": not evaluated";
          break;
        }
      }
    }
    boolean anyPeer = present.isEmpty() && (!ports.isEmpty() || !icmps.isEmpty());
    return new Egress(word, peers, anyPeer, portRules, !icmps.isEmpty(), undecidable);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object v) {
    return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  /** A list field of {@code r} (empty when absent or not a list: the caller checks shapes). */
  private static List<?> list(Map<String, Object> r, String key) {
    return r.get(key) instanceof List<?> l ? l : List.of();
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
