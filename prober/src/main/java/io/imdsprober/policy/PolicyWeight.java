package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the evaluator holds of a NetworkPolicy, and the caps beyond which it holds none of it
 * (DESIGN.md "Weight is bounded"): a tenant with {@code edit} may write policies of about 1 MB each
 * (25,000 {@code /32} ipBlock peers), and a few dozen of them would exhaust the prober's heap.
 *
 * <p>A policy is held trimmed: its name, namespace, uid and resourceVersion, and of its spec only
 * what {@link EgressPolicies} and {@link Comparison} read (podSelector, policyTypes, egress);
 * ingress rules, labels, annotations and managed fields are dropped. Its weight is measured on what
 * is held:
 *
 * <ul>
 *   <li><b>peers</b>: the entries of its egress rules and selectors, each rule, {@code to} peer,
 *       ipBlock {@code except}, port, selector label, expression and expression value (whatever a
 *       tenant can repeat counts);
 *   <li><b>bytes</b>: the summed length of every string held for the evaluator: selector keys,
 *       operators and values, CIDRs, protocols, ports and policy types. It is a measure of the
 *       policy's serialized size, computed from the parsed object (a page of a few policies is all
 *       that is ever parsed at once), not the size on the wire.
 * </ul>
 *
 * A policy over a per-policy cap is held as a {@link Heavy} stub: name and weight, no spec. Pure.
 */
public final class PolicyWeight {
  private PolicyWeight() {}

  /** How many policies over a per-policy cap a namespace's reasons name one by one. */
  static final int MAX_NAMED = 5;

  /**
   * The caps ({@code policy.*} keys).
   *
   * @param peersPerPolicy {@code policy.maxPeersPerPolicy}
   * @param bytesPerPolicy {@code policy.maxBytesPerPolicy}
   * @param peersPerNamespace {@code policy.maxPeersPerNamespace}
   * @param bytesPerNamespace {@code policy.maxBytesPerNamespace}
   */
  public record Caps(
      long peersPerPolicy, long bytesPerPolicy, long peersPerNamespace, long bytesPerNamespace) {
    /** The configured caps. */
    public static Caps of(Config config) {
      return new Caps(
          config.get(Keys.POLICY_MAX_PEERS_PER_POLICY),
          config.get(Keys.POLICY_MAX_BYTES_PER_POLICY),
          config.get(Keys.POLICY_MAX_PEERS_PER_NAMESPACE),
          config.get(Keys.POLICY_MAX_BYTES_PER_NAMESPACE));
    }

    /** The defaults of the configuration reference. */
    public static final Caps DEFAULT = of(Config.defaults());
  }

  /** A weight: held entries and held string length. */
  public record Weight(long peers, long bytes) {
    public static final Weight ZERO = new Weight(0, 0);

    Weight plus(Weight o) {
      return new Weight(peers + o.peers, bytes + o.bytes);
    }
  }

  /**
   * A policy over a per-policy cap, as the prober holds it: its name and its weight, no spec (the
   * peers are not kept). A tenant cannot make one: it is built here, never read from JSON.
   */
  public static final class Heavy extends NetworkPolicy {
    private final transient Weight weight;

    Heavy(ObjectMeta metadata, Weight weight) {
      setApiVersion("networking.k8s.io/v1");
      setKind("NetworkPolicy");
      setMetadata(metadata);
      this.weight = weight;
    }

    public Weight weight() {
      return weight;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Heavy h && super.equals(o) && weight.equals(h.weight);
    }

    @Override
    public int hashCode() {
      return Objects.hash(super.hashCode(), weight);
    }
  }

  /** The weight of what the evaluator holds of {@code p} (a stub's, as measured). */
  public static Weight of(NetworkPolicy p) {
    if (p instanceof Heavy h) {
      return h.weight();
    }
    Counter c = new Counter();
    NetworkPolicySpec spec = p.getSpec();
    if (spec == null) {
      return Weight.ZERO;
    }
    c.selector(spec.getPodSelector());
    for (String t : nonNull(spec.getPolicyTypes())) {
      c.string(t);
    }
    for (NetworkPolicyEgressRule rule : nonNull(spec.getEgress())) {
      c.peers++;
      for (NetworkPolicyPeer peer : nonNull(rule.getTo())) {
        c.peers++;
        IPBlock block = peer.getIpBlock();
        if (block != null) {
          c.string(block.getCidr());
          for (String except : nonNull(block.getExcept())) {
            c.peers++;
            c.string(except);
          }
        }
        c.selector(peer.getPodSelector());
        c.selector(peer.getNamespaceSelector());
      }
      for (NetworkPolicyPort port : nonNull(rule.getPorts())) {
        c.peers++;
        c.string(port.getProtocol());
        if (port.getPort() != null) {
          c.string(
              port.getPort().getIntVal() != null
                  ? String.valueOf(port.getPort().getIntVal())
                  : port.getPort().getStrVal());
        }
        if (port.getEndPort() != null) {
          c.string(String.valueOf(port.getEndPort()));
        }
      }
    }
    return new Weight(c.peers, c.bytes);
  }

  /**
   * What the prober holds of {@code p}: a trimmed copy (name, namespace, uid, resourceVersion;
   * podSelector, policyTypes and egress), or a {@link Heavy} stub when it is over a per-policy cap.
   * Trimming what is trimmed gives the same.
   */
  public static NetworkPolicy trim(NetworkPolicy p, Caps caps) {
    if (p instanceof Heavy) {
      return p;
    }
    ObjectMeta meta = new ObjectMeta();
    if (p.getMetadata() != null) {
      meta.setName(p.getMetadata().getName());
      meta.setNamespace(p.getMetadata().getNamespace());
      meta.setUid(p.getMetadata().getUid());
      meta.setResourceVersion(p.getMetadata().getResourceVersion());
    }
    NetworkPolicySpec spec = p.getSpec();
    NetworkPolicy out = new NetworkPolicy();
    out.setApiVersion(p.getApiVersion());
    out.setKind(p.getKind());
    out.setMetadata(meta);
    if (spec != null) {
      NetworkPolicySpec slim = new NetworkPolicySpec();
      slim.setPodSelector(spec.getPodSelector());
      slim.setPolicyTypes(spec.getPolicyTypes());
      slim.setEgress(spec.getEgress());
      out.setSpec(slim);
    }
    Weight w = of(out);
    if (overPolicyCap(w, caps) != null) {
      return new Heavy(meta, w);
    }
    return out;
  }

  /**
   * Whether two versions of a policy read the same to the evaluator: the same trimmed spec, or both
   * over a cap (the namespace's prediction is incomplete either way, so no re-probe is owed).
   */
  public static boolean sameReading(NetworkPolicy a, NetworkPolicy b, Caps caps) {
    NetworkPolicy ta = trim(a, caps);
    NetworkPolicy tb = trim(b, caps);
    if (ta instanceof Heavy || tb instanceof Heavy) {
      return ta instanceof Heavy && tb instanceof Heavy;
    }
    return Objects.equals(ta.getSpec(), tb.getSpec());
  }

  /** What a per-policy cap says of a weight ({@code has N peers, over KEY=CAP}), or null. */
  static String overPolicyCap(Weight w, Caps caps) {
    if (w.peers() > caps.peersPerPolicy()) {
      return "has "
          + w.peers()
          + " peers, over "
          + Keys.POLICY_MAX_PEERS_PER_POLICY.name()
          + "="
          + caps.peersPerPolicy();
    }
    if (w.bytes() > caps.bytesPerPolicy()) {
      return "has "
          + w.bytes()
          + " bytes, over "
          + Keys.POLICY_MAX_BYTES_PER_POLICY.name()
          + "="
          + caps.bytesPerPolicy();
    }
    return null;
  }

  /** What a per-namespace cap says of a namespace's total weight, or null. */
  static String overNamespaceCap(String namespace, Weight w, Caps caps) {
    String head = "the NetworkPolicies of namespace " + namespace + " have ";
    if (w.peers() > caps.peersPerNamespace()) {
      return head
          + w.peers()
          + " peers in all, over "
          + Keys.POLICY_MAX_PEERS_PER_NAMESPACE.name()
          + "="
          + caps.peersPerNamespace();
    }
    if (w.bytes() > caps.bytesPerNamespace()) {
      return head
          + w.bytes()
          + " bytes in all, over "
          + Keys.POLICY_MAX_BYTES_PER_NAMESPACE.name()
          + "="
          + caps.bytesPerNamespace();
    }
    return null;
  }

  static String namespaceOf(NetworkPolicy p) {
    String ns = p.getMetadata() == null ? null : p.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? "default" : ns;
  }

  static String name(NetworkPolicy p) {
    return namespaceOf(p) + "/" + (p.getMetadata() == null ? "?" : p.getMetadata().getName());
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static final class Counter {
    long peers;
    long bytes;

    void string(String s) {
      bytes += s == null ? 0 : s.length();
    }

    void selector(LabelSelector s) {
      if (s == null) {
        return;
      }
      Map<String, String> labels = s.getMatchLabels();
      for (Map.Entry<String, String> e :
          labels == null ? Map.<String, String>of().entrySet() : labels.entrySet()) {
        peers++;
        string(e.getKey());
        string(e.getValue());
      }
      for (LabelSelectorRequirement r : nonNull(s.getMatchExpressions())) {
        peers++;
        string(r.getKey());
        string(r.getOperator());
        for (String v : nonNull(r.getValues())) {
          peers++;
          string(v);
        }
      }
    }
  }
}
