package io.imdsprober.policy.chain;

import io.imdsprober.policy.EgressPolicies.Destination;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kinds of two CNIs at once (Calico's and Cilium's CRDs both installed): only one of them
 * enforces, and which one cannot be read from the objects. A pod that either selects gets the word
 * both CNIs would say, where they agree; where they do not, it is undecided, naming both; a pod
 * neither selects is left to the rest of the chain (NetworkPolicy, the baseline tier). Pure.
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
        "policies of "
            + cni()
            + " both exist and say different things here: which CNI enforces is not known";
    List<PolicyFamily> families = cnis.stream().map(c -> c.over(networkPolicies)).toList();
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
        // whichever CNI enforces, the same word: that word (ALLOW and NONE, no rule, differ)
        List<Answer> answers = families.stream().map(f -> f.answer(pod, d)).toList();
        Answer first = answers.get(0);
        boolean agree =
            first.say() != Answer.Say.UNDECIDED
                && answers.stream().allMatch(a -> a.say() == first.say());
        if (agree) {
          List<String> by = new java.util.ArrayList<>();
          List<String> rules = new java.util.ArrayList<>();
          answers.forEach(
              a -> {
                by.addAll(a.by());
                rules.addAll(a.rules());
              });
          return new Answer(first.say(), by, rules, List.of());
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
