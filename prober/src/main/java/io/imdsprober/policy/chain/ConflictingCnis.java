package io.imdsprober.policy.chain;

import io.imdsprober.policy.EgressPolicies.Destination;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kinds of two CNIs at once (Calico's and Cilium's CRDs both installed): only one of them
 * enforces, and which one cannot be read from the objects. A pod that either selects is undecided,
 * naming both; a pod neither selects is left to the rest of the chain (NetworkPolicy, the baseline
 * tier). Pure.
 */
final class ConflictingCnis implements CniPolicies {
  private final List<CniPolicies> cnis;

  ConflictingCnis(List<CniPolicies> cnis) {
    this.cnis = List.copyOf(cnis);
  }

  @Override
  public String cni() {
    return String.join(" and ", cnis.stream().map(CniPolicies::cni).toList());
  }

  @Override
  public PolicyFamily over(NetworkPolicyFamily networkPolicies) {
    String why =
        "policies of " + cni() + " both exist: which CNI enforces is not known, so neither decides";
    return new PolicyFamily() {
      @Override
      public boolean selects(Subject pod) {
        return selectsOwn(pod) || networkPolicies.selects(pod);
      }

      @Override
      public Answer answer(Subject pod, Destination d) {
        if (!selectsOwn(pod)) {
          return networkPolicies.answer(pod, d);
        }
        return Answer.undecided(List.of(why));
      }

      @Override
      public Map<String, String> invalid() {
        return ConflictingCnis.this.invalid();
      }
    };
  }

  @Override
  public boolean selectsOwn(Subject pod) {
    return cnis.stream().anyMatch(c -> c.selectsOwn(pod));
  }

  @Override
  public Map<String, String> invalid() {
    Map<String, String> out = new LinkedHashMap<>();
    cnis.forEach(c -> out.putAll(c.invalid()));
    return out;
  }

  @Override
  public List<String> reported() {
    List<String> out = new ArrayList<>();
    cnis.forEach(c -> out.addAll(c.reported()));
    return out;
  }
}
