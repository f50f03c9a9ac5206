package io.imdsprober.policy.chain;

import java.util.List;
import java.util.Map;

/**
 * A CNI's own policy kinds (Calico, Cilium), read once per sweep or manifest set, and how that CNI
 * combines them with NetworkPolicy: the family it returns takes NetworkPolicy's place in the chain,
 * between the admin tier and the baseline tier. Its answer is NONE (or PASS) for a pod nothing
 * selects for egress, so that the baseline tier and then the default decide; ALLOW or DENY with the
 * rule that said it; UNDECIDED with each reason naming the object ({@code Kind ns/name}), the rule
 * ({@code egress[2]}) and the field. Pure.
 */
public interface CniPolicies {
  /** The CNI as reports name it: {@code Calico}, {@code Cilium}. */
  String cni();

  /**
   * The family that decides in NetworkPolicy's place: the CNI's kinds and the namespace's
   * NetworkPolicies, combined as the CNI combines them.
   */
  PolicyFamily over(NetworkPolicyFamily networkPolicies);

  /**
   * Whether some of the CNI's own objects (not NetworkPolicies) select the pod for egress, or may
   * (an invalid one that could).
   */
  boolean selectsOwn(Subject pod);

  /**
   * Whether the CNI has any object that enforces (not only staged policies, tiers or sets): only
   * those tell which CNI a cluster runs when two CNIs' kinds exist at once.
   */
  default boolean enforces() {
    return true;
  }

  /** The objects that cannot be read ({@code Kind ns/name}) with what is wrong: never decide. */
  Map<String, String> invalid();

  /**
   * Objects read that do not enforce (Calico's {@code Staged*} kinds), each a line naming the
   * object: reported, never deciding.
   */
  List<String> reported();
}
