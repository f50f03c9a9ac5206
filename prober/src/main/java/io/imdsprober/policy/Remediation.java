package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.imdsprober.policy.Coverage.Reach;
import io.imdsprober.policy.Coverage.Row;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.util.IpLiteral;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code policy --fix}: the NetworkPolicies that close every metadata destination a workload may
 * reach, and keep what else it may reach. A workload no egress policy selects gets one that selects
 * its labels: egress to everything but the metadata CIDRs, plus DNS. A workload an egress rule
 * allows gets that rule changed: the destination added to the {@code except} of each ipBlock that
 * holds it (a block that is only the destination is dropped), or, for a rule open to every
 * destination, the open {@code to} replaced by everything but the metadata CIDRs. Under the admin
 * tiers: a workload no NetworkPolicy selects, allowed by a baseline rule or after a pass, gets the
 * new policy too (NetworkPolicy decides before the baseline); one an admin-tier rule allows is only
 * named with that rule (no NetworkPolicy can close it), and so is one a CNI's own policy allows (a
 * Calico or Cilium rule: {@code Kind ns/name egress[i]}). Pure.
 *
 * @param policies the new and the changed policies, to apply as they are
 * @param notes one line per change, naming the workload, the policy and the rule
 */
public record Remediation(List<NetworkPolicy> policies, List<String> notes) {
  private static final String REMOVE = "the rule allowed only metadata addresses: it is removed";

  /**
   * Metadata addresses that are also the platform's DNS: GKE's metadata server is the nodes'
   * resolver at 169.254.169.254:53, and on AKS 168.63.129.16:53 is Azure's platform DNS. Closing
   * such an address keeps port 53 open on it where the rule allowed port 53 before (a fix must not
   * break name resolution); no metadata service answers credentials on port 53.
   */
  static final Set<String> PLATFORM_DNS = Set.of("169.254.169.254", "168.63.129.16");

  /** The name of a policy the fix adds for a workload no egress policy selects. */
  public static final String PREFIX = "imds-prober-egress-";

  /** What closes the metadata destinations in {@code objects}. */
  public static Remediation of(List<? extends HasMetadata> objects, List<Destination> metadata) {
    Map<String, NetworkPolicy> byName = new LinkedHashMap<>();
    Map<String, NetworkPolicy> original = new LinkedHashMap<>();
    java.util.IdentityHashMap<NetworkPolicyEgressRule, NetworkPolicyEgressRule> rules =
        new java.util.IdentityHashMap<>();
    for (HasMetadata o : objects) {
      if (o instanceof NetworkPolicy p) {
        NetworkPolicy copy = new NetworkPolicyBuilder(p).build();
        original.put(key(p), p);
        byName.put(key(p), copy);
        List<NetworkPolicyEgressRule> from =
            p.getSpec() == null || p.getSpec().getEgress() == null
                ? List.of()
                : p.getSpec().getEgress();
        for (int i = 0; i < from.size(); i++) {
          rules.put(from.get(i), copy.getSpec().getEgress().get(i));
        }
      }
    }
    Coverage coverage = Coverage.of(objects, metadata);
    io.imdsprober.policy.chain.ClusterTiers tiers =
        io.imdsprober.policy.chain.ClusterTiers.of(objects);
    // which pods NetworkPolicy itself selects: where none does, a new one decides before the
    // baseline tier; an admin-tier allow is above every NetworkPolicy, and is only named
    EgressPolicies networkPolicies = new EgressPolicies(new ArrayList<>(original.values()));
    Set<String> adminTier = new java.util.HashSet<>();
    Set<String> baselineTier = new java.util.HashSet<>();
    for (io.imdsprober.policy.anp.AdminPolicy a :
        io.imdsprober.policy.anp.AdminPolicies.of(objects)) {
      (a.baseline() ? baselineTier : adminTier).add(a.display());
    }
    Map<String, NetworkPolicy> changed = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    for (Row row : coverage.workloads()) {
      String workload =
          row.workload().namespace() + "/" + row.workload().kind() + "/" + row.workload().name();
      for (Reach reach : row.reach()) {
        if (reach.decision().outcome() != Outcome.ALLOWED) {
          continue;
        }
        if (row.workload().hostNetwork()) {
          String note =
              workload
                  + ": hostNetwork, NetworkPolicy does not apply; run it without hostNetwork or"
                  + " block the metadata addresses on the node";
          note(notes, note);
          break;
        }
        List<String> admin =
            reach.decision().rules().stream().filter(r -> adminTier.contains(policyOf(r))).toList();
        ruleNotes(
            notes, workload, admin, reach, "an admin policy decides before any NetworkPolicy");
        if (!admin.isEmpty()) {
          continue;
        }
        // a rule of a CNI's own kind ("Kind ns/name egress[i]"; a NetworkPolicy's is "ns/name
        // egress[i]"): a NetworkPolicy cannot override it, the note names it
        List<String> cni =
            reach.decision().rules().stream().filter(r -> cniRule(r, baselineTier)).toList();
        ruleNotes(notes, workload, cni, reach, "no NetworkPolicy takes back what that rule allows");
        if (!cni.isEmpty()) {
          continue;
        }
        boolean selected =
            networkPolicies
                .decide(row.workload().namespace(), row.workload().labels(), reach.to())
                .isolated();
        if (!selected) {
          NetworkPolicy p = forWorkload(row.workload(), metadata);
          String before = decidesBefore(tiers, original.values(), p, row.workload(), reach.to());
          if (before != null) {
            // a CNI's rule passes it over the NetworkPolicies (Calico: a Pass in the default
            // tier before order 1000): the new policy would look like a fix and close nothing
            String note =
                workload
                    + ": "
                    + before
                    + " lets "
                    + reach.to().word()
                    + " by before any NetworkPolicy is read, so a new one would not close it:"
                    + " change that rule (this fix writes NetworkPolicies only)";
            note(notes, note);
            continue;
          }
          // one policy per label set: a sibling with other labels gets its own
          for (int n = 2;
              changed.containsKey(key(p)) && !selects(changed.get(key(p)), row.workload().labels());
              n++) {
            p.getMetadata()
                .setName(forWorkload(row.workload(), metadata).getMetadata().getName() + "-" + n);
          }
          if (changed.putIfAbsent(key(p), p) == null) {
            notes.add(
                workload
                    + ": no egress policy selects it; add "
                    + key(p)
                    + " (all egress but the metadata addresses, plus DNS)");
          }
          continue;
        }
        if (reach.decision().rules().isEmpty()) {
          // selected by a NetworkPolicy, yet allowed by no rule of one: a CNI's rule (a pass
          // over the NetworkPolicies) decided, name it
          String before = decidesBefore(tiers, original.values(), null, row.workload(), reach.to());
          String note =
              workload
                  + ": "
                  + (before == null ? "a rule outside NetworkPolicy" : before)
                  + " lets "
                  + reach.to().word()
                  + " by before its NetworkPolicies are read: change that rule (this fix writes"
                  + " NetworkPolicies only)";
          note(notes, note);
          continue;
        }
        for (String rule : reach.decision().rules()) {
          // "ns/name egress[i]"
          String name = rule.substring(0, rule.indexOf(' '));
          if (!original.containsKey(name)) {
            continue; // not a NetworkPolicy's rule
          }
          int index = Integer.parseInt(rule.substring(rule.indexOf('[') + 1, rule.indexOf(']')));
          NetworkPolicy p = changed.getOrDefault(name, byName.get(name));
          NetworkPolicyEgressRule r = original.get(name).getSpec().getEgress().get(index);
          NetworkPolicyEgressRule target =
              p.getSpec().getEgress().stream()
                  .filter(x -> x == rules.get(r))
                  .findFirst()
                  .orElse(null);
          if (target == null) {
            continue; // already removed
          }
          List<String> dnsProtocols = dnsProtocols(r, reach.to());
          String how = close(target, reach.to(), metadata);
          if (how.equals(REMOVE)) {
            p.getSpec().getEgress().remove(target);
          }
          if (!dnsProtocols.isEmpty() && keepDns(p, reach.to(), dnsProtocols)) {
            how = how + "; keeps DNS on " + IpLiteral.canonical(reach.to().ip()) + ":53";
          }
          notes.add(workload + ": " + rule + " allows " + reach.to().word() + "; " + how);
          changed.put(name, p);
        }
      }
    }
    return new Remediation(new ArrayList<>(changed.values()), notes);
  }

  /**
   * The rules that still let {@code d} by for the workload when {@code added} (if any) joins the
   * NetworkPolicies, joined, or null when then nothing lets it by (or no rule is named).
   */
  private static String decidesBefore(
      io.imdsprober.policy.chain.ClusterTiers tiers,
      java.util.Collection<NetworkPolicy> policies,
      NetworkPolicy added,
      Workloads.Workload w,
      Destination d) {
    List<NetworkPolicy> with = new ArrayList<>(policies);
    if (added != null) {
      with.add(added);
    }
    io.imdsprober.policy.chain.PolicyChain.Said said =
        tiers
            .chain(new EgressPolicies(with))
            .decide(tiers.subject(w.namespace(), w.labels(), w.serviceAccount()), d);
    if (said.decision().outcome() != Outcome.ALLOWED || said.said().isEmpty()) {
      return null;
    }
    return String.join(", ", said.said());
  }

  /**
   * Whether an allowing rule is a CNI kind's ({@code GlobalNetworkPolicy x egress[0]}), not a
   * NetworkPolicy's ({@code ns/name egress[0]}) nor a baseline admin policy's.
   */
  private static boolean cniRule(String rule, Set<String> baselineTier) {
    String policy = policyOf(rule);
    return policy.indexOf(' ') >= 0 && !baselineTier.contains(policy);
  }

  /** A note per rule this fix cannot change: which rule allows what, why, and to change it. */
  private static void ruleNotes(
      List<String> notes, String workload, List<String> rules, Reach reach, String why) {
    for (String rule : rules) {
      note(
          notes,
          workload
              + ": "
              + rule
              + " allows "
              + reach.to().word()
              + "; "
              + why
              + ": change that rule (this fix writes NetworkPolicies only)");
    }
  }

  /** Adds a note once: many label sets of one workload meet the same rule. */
  private static void note(List<String> notes, String note) {
    if (!notes.contains(note)) {
      notes.add(note);
    }
  }

  /**
   * The policy a rule belongs to: {@code Kind name} of {@code Kind name egress[0]} (or of Cilium's
   * {@code Kind ns/name specs[1].egress[0]}).
   */
  private static String policyOf(String rule) {
    int space = rule.lastIndexOf(' ');
    return space < 0 ? rule : rule.substring(0, space);
  }

  /** Changes the rule so that it no longer allows {@code d}; says how. */
  private static String close(
      NetworkPolicyEgressRule r, Destination d, List<Destination> metadata) {
    if (r.getTo() == null || r.getTo().isEmpty()) {
      r.setTo(allBut(metadata));
      return "its open 'to' becomes everything but the metadata addresses";
    }
    List<NetworkPolicyPeer> kept = new ArrayList<>();
    List<String> did = new ArrayList<>();
    String host = hostCidr(d);
    for (NetworkPolicyPeer peer : r.getTo()) {
      IPBlock block = peer.getIpBlock();
      if (block == null || !Cidr.parse(block.getCidr()).contains(d.ip())) {
        kept.add(peer);
        continue;
      }
      if (Cidr.parse(block.getCidr()).prefix() == Cidr.parse(host).prefix()) {
        did.add("drops the peer " + block.getCidr());
        continue;
      }
      List<String> except =
          block.getExcept() == null ? new ArrayList<>() : new ArrayList<>(block.getExcept());
      if (!except.contains(host)) {
        except.add(host);
        did.add("adds except " + host + " to " + block.getCidr());
      }
      block.setExcept(except);
      kept.add(peer);
    }
    if (kept.isEmpty()) {
      // an empty 'to' would allow every destination: the rule, which allowed only metadata
      // addresses, goes instead
      return REMOVE;
    }
    r.setTo(kept);
    return String.join(", ", did);
  }

  private static boolean selects(NetworkPolicy p, Map<String, String> labels) {
    Map<String, String> m = p.getSpec().getPodSelector().getMatchLabels();
    return (m == null ? Map.of() : m).equals(labels);
  }

  private static NetworkPolicy forWorkload(Workloads.Workload w, List<Destination> metadata) {
    String name = (PREFIX + w.kind() + "-" + w.name()).toLowerCase(java.util.Locale.ROOT);
    if (name.length() > 253) {
      name = name.substring(0, 253);
    }
    NetworkPolicy p =
        new NetworkPolicyBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(w.namespace())
            .addToLabels("app.kubernetes.io/managed-by", "imds-prober-fix")
            .endMetadata()
            .withNewSpec()
            .withPodSelector(new LabelSelectorBuilder().withMatchLabels(w.labels()).build())
            .withPolicyTypes("Egress")
            .addNewEgress()
            .withTo(allBut(metadata))
            .endEgress()
            .addNewEgress()
            .addNewTo()
            .withNewNamespaceSelector()
            .addToMatchLabels("kubernetes.io/metadata.name", "kube-system")
            .endNamespaceSelector()
            .withNewPodSelector()
            .addToMatchLabels("k8s-app", "kube-dns")
            .endPodSelector()
            .endTo()
            .addNewPort()
            .withProtocol("UDP")
            .withPort(new IntOrString(53))
            .endPort()
            .addNewPort()
            .withProtocol("TCP")
            .withPort(new IntOrString(53))
            .endPort()
            .endEgress()
            .endSpec()
            .build();
    for (Destination d : metadata) {
      if (PLATFORM_DNS.contains(IpLiteral.canonical(d.ip()))) {
        keepDns(p, d, List.of("UDP", "TCP"));
      }
    }
    return p;
  }

  /**
   * The protocols on which {@code rule} allowed port 53 of a platform-DNS metadata address (all
   * ports, or port 53 named), or none.
   */
  private static List<String> dnsProtocols(NetworkPolicyEgressRule rule, Destination d) {
    if (!PLATFORM_DNS.contains(IpLiteral.canonical(d.ip()))) {
      return List.of();
    }
    if (rule.getPorts() == null || rule.getPorts().isEmpty()) {
      return List.of("UDP", "TCP");
    }
    List<String> out = new ArrayList<>();
    for (var port : rule.getPorts()) {
      IntOrString n = port.getPort();
      String protocol = port.getProtocol() == null ? "TCP" : port.getProtocol();
      boolean named = n != null && n.getIntVal() != null;
      int from = named ? n.getIntVal() : 0;
      int to = port.getEndPort() != null ? port.getEndPort() : from;
      if ((n == null || named && from <= 53 && 53 <= to) && !out.contains(protocol)) {
        out.add(protocol);
      }
    }
    return out;
  }

  /**
   * Adds to {@code p} a rule allowing port 53 of {@code d}'s address on {@code protocols}, unless
   * one is there; says whether it added it.
   */
  private static boolean keepDns(NetworkPolicy p, Destination d, List<String> protocols) {
    NetworkPolicyEgressRule rule =
        new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder()
            .addNewTo()
            .withNewIpBlock()
            .withCidr(hostCidr(d))
            .endIpBlock()
            .endTo()
            .build();
    for (String protocol : protocols) {
      rule.getPorts()
          .add(
              new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder()
                  .withProtocol(protocol)
                  .withPort(new IntOrString(53))
                  .build());
    }
    if (p.getSpec().getEgress().contains(rule)) {
      return false;
    }
    p.getSpec().getEgress().add(rule);
    return true;
  }

  /**
   * {@code 0.0.0.0/0} and {@code ::/0}, each but the metadata addresses of its family, and every
   * pod ({@code namespaceSelector: {}}) named apart: on Cilium an ipBlock does not match pod
   * addresses, so in-cluster egress (DNS included) stays allowed only if it is written out.
   */
  private static List<NetworkPolicyPeer> allBut(List<Destination> metadata) {
    Set<String> v4 = new LinkedHashSet<>();
    Set<String> v6 = new LinkedHashSet<>();
    for (Destination d : metadata) {
      (d.ip().getAddress().length == 4 ? v4 : v6).add(hostCidr(d));
    }
    return List.of(
        new NetworkPolicyPeerBuilder()
            .withNewIpBlock()
            .withCidr("0.0.0.0/0")
            .withExcept(new ArrayList<>(v4))
            .endIpBlock()
            .build(),
        new NetworkPolicyPeerBuilder()
            .withNewIpBlock()
            .withCidr("::/0")
            .withExcept(new ArrayList<>(v6))
            .endIpBlock()
            .build(),
        new NetworkPolicyPeerBuilder().withNewNamespaceSelector().endNamespaceSelector().build());
  }

  private static String hostCidr(Destination d) {
    return IpLiteral.canonical(d.ip()) + (d.ip().getAddress().length == 4 ? "/32" : "/128");
  }

  private static String key(NetworkPolicy p) {
    String ns = p.getMetadata().getNamespace();
    return (ns == null || ns.isEmpty() ? "default" : ns) + "/" + p.getMetadata().getName();
  }
}
