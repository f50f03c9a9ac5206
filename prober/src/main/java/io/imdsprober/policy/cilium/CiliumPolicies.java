package io.imdsprober.policy.cilium;

import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.chain.Answer;
import io.imdsprober.policy.chain.Answer.Say;
import io.imdsprober.policy.chain.CniPolicies;
import io.imdsprober.policy.chain.NetworkPolicyFamily;
import io.imdsprober.policy.chain.PolicyFamily;
import io.imdsprober.policy.chain.Subject;
import io.imdsprober.policy.cilium.CiliumPolicy.Egress;
import io.imdsprober.policy.cilium.CiliumPolicy.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cilium's policies, read once, and how Cilium combines them with NetworkPolicy (docs.cilium.io
 * security/policy/language "Deny Policies"; repository.go computePolicyEnforcementAndRules): for a
 * pod and a destination, an {@code egressDeny} rule of a policy that selects the pod and holds the
 * destination denies it, over any allow, Cilium's or a NetworkPolicy's; else an {@code egress}
 * rule, or a NetworkPolicy rule, that holds it allows it; else the pod is denied if it is in
 * default deny (some rule that selects it has egress or egressDeny rules and does not set {@code
 * enableDefaultDeny.egress: false}, or a NetworkPolicy selects it for egress); else no rule speaks
 * (allowed by default). Where a rule that selects the pod (or may) cannot be decided and the
 * outcome depends on it, the answer is undecided, naming the object, rule and field; an undecidable
 * allow does not matter once a deny holds. Pure.
 */
final class CiliumPolicies implements CniPolicies {
  private final List<CiliumPolicy> clusterwide = new ArrayList<>();
  private final Map<String, List<CiliumPolicy>> byNamespace = new HashMap<>();
  private final Map<String, String> invalid = new LinkedHashMap<>();

  CiliumPolicies(List<CiliumPolicy> policies) {
    for (CiliumPolicy p : policies) {
      if (p.namespace() == null) {
        clusterwide.add(p);
      } else {
        byNamespace.computeIfAbsent(p.namespace(), k -> new ArrayList<>()).add(p);
      }
      if (p.problem() != null) {
        invalid.put(p.display(), p.problem());
      }
    }
  }

  @Override
  public String cni() {
    return "Cilium";
  }

  @Override
  public Map<String, String> invalid() {
    return Map.copyOf(invalid);
  }

  @Override
  public List<String> reported() {
    return List.of();
  }

  private List<CiliumPolicy> relevant(Subject pod) {
    List<CiliumPolicy> ns = byNamespace.getOrDefault(pod.namespace(), List.of());
    if (ns.isEmpty()) {
      return clusterwide;
    }
    List<CiliumPolicy> out = new ArrayList<>(clusterwide);
    out.addAll(ns);
    return out;
  }

  @Override
  public boolean selectsOwn(Subject pod) {
    for (CiliumPolicy p : relevant(pod)) {
      for (Rule r : p.rules()) {
        if ((p.problem() != null || r.forEgress()) && p.selects(r, pod).maybe()) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public PolicyFamily over(NetworkPolicyFamily networkPolicies) {
    return new PolicyFamily() {
      @Override
      public boolean selects(Subject pod) {
        return selectsOwn(pod) || networkPolicies.selects(pod);
      }

      @Override
      public Answer answer(Subject pod, Destination d) {
        return CiliumPolicies.this.answer(pod, d, networkPolicies.answer(pod, d));
      }

      @Override
      public Map<String, String> invalid() {
        return CiliumPolicies.this.invalid();
      }
    };
  }

  /** What is gathered for one pod and destination. */
  private static final class Tally {
    final Set<String> denyBy = new LinkedHashSet<>();
    final List<String> denyRules = new ArrayList<>();
    final Set<String> allowBy = new LinkedHashSet<>();
    final List<String> allowRules = new ArrayList<>();
    final Set<String> defaultBy = new LinkedHashSet<>();
    boolean defaultDeny;
    boolean denyMaybe;
    boolean allowMaybe;
    boolean defaultMaybe;
    final Set<String> denyWhy = new LinkedHashSet<>();
    final Set<String> allowWhy = new LinkedHashSet<>();
    final Set<String> defaultWhy = new LinkedHashSet<>();
  }

  Answer answer(Subject pod, Destination d, Answer networkPolicy) {
    Tally t = new Tally();
    for (CiliumPolicy p : relevant(pod)) {
      for (Rule r : p.rules()) {
        Tri sel = p.selects(r, pod);
        if (sel == Tri.NO) {
          continue;
        }
        if (p.problem() != null) {
          String why = p.display() + " is invalid: " + p.problem();
          t.denyMaybe = t.allowMaybe = t.defaultMaybe = true;
          t.denyWhy.add(why);
          t.allowWhy.add(why);
          t.defaultWhy.add(why);
          continue;
        }
        for (Egress e : r.deny()) {
          Tri h = e.holds(d);
          if (sel == Tri.YES && h == Tri.YES) {
            t.denyBy.add(p.display());
            t.denyRules.add(e.word());
          } else if (h.maybe()) {
            t.denyMaybe = true;
            t.denyWhy.add(h.known() ? sel.why() + " (for " + e.word() + ")" : h.why());
          }
        }
        for (Egress e : r.egress()) {
          if (e.undecidable() != null && e.undecidable().startsWith("toRequires")) {
            // [L3] "toRequires ... limits all ingress and egress traffic that applies to its
            // endpoint selector": it may take back what any other rule allows
            t.denyMaybe = true;
            t.denyWhy.add(e.word() + "." + e.undecidable());
          }
          Tri h = e.holds(d);
          if (sel == Tri.YES && h == Tri.YES) {
            t.allowBy.add(p.display());
            t.allowRules.add(e.word());
          } else if (h.maybe()) {
            t.allowMaybe = true;
            t.allowWhy.add(h.known() ? sel.why() + " (for " + e.word() + ")" : h.why());
          }
        }
        Tri dd = r.defaultDeny();
        if (sel == Tri.YES && dd == Tri.YES) {
          t.defaultDeny = true;
          t.defaultBy.add(p.display());
        } else if (dd.maybe()) {
          t.defaultMaybe = true;
          t.defaultWhy.add(dd.known() ? sel.why() + " (default deny)" : dd.why());
        }
      }
    }
    switch (networkPolicy.say()) {
      case ALLOW -> {
        t.allowBy.addAll(networkPolicy.by());
        t.allowRules.addAll(networkPolicy.rules());
        t.defaultDeny = true;
      }
      case DENY -> t.defaultDeny = true;
      case UNDECIDED -> {
        t.defaultDeny = true;
        t.allowMaybe = true;
        t.allowWhy.addAll(networkPolicy.undecided());
      }
      default -> {}
    }
    return decide(t);
  }

  private static Answer decide(Tally t) {
    if (!t.denyRules.isEmpty()) {
      return new Answer(Say.DENY, List.copyOf(t.denyBy), t.denyRules, List.of());
    }
    List<String> why = new ArrayList<>();
    Say say;
    if (!t.allowRules.isEmpty()) {
      say = Say.ALLOW;
    } else if (t.defaultDeny) {
      say = t.allowMaybe ? Say.UNDECIDED : Say.DENY;
      why.addAll(t.allowWhy);
    } else if (t.defaultMaybe) {
      say = Say.UNDECIDED; // allowed by default, or denied: not known
      why.addAll(t.defaultWhy);
      why.addAll(t.allowWhy);
    } else {
      say = Say.NONE;
    }
    if (t.denyMaybe && say != Say.DENY) {
      why.addAll(0, t.denyWhy);
      say = Say.UNDECIDED;
    }
    return switch (say) {
      case ALLOW -> new Answer(Say.ALLOW, List.copyOf(t.allowBy), t.allowRules, List.of());
      case DENY -> new Answer(Say.DENY, List.copyOf(t.defaultBy), List.of(), List.of());
      case UNDECIDED -> Answer.undecided(List.copyOf(new LinkedHashSet<>(why)));
      default -> Answer.NONE;
    };
  }
}
