package io.imdsprober.policy.calico;

import java.util.Comparator;

/**
 * A Calico Tier (docs.tigera.io/calico/latest/reference/resources/tier): tiers are read by their
 * {@code order}, lowest first, no order last (then by name); the default tier's order is 1,000,000
 * (network-policy/policy-tiers/tiered-policy, "The default tier"); when a tier's policies select a
 * pod and none acts on the packet, its {@code defaultAction} ({@code Deny} unless {@code Pass})
 * decides. Pure.
 *
 * @param name its name
 * @param order its order, or null (after every ordered tier)
 * @param pass whether its defaultAction is Pass
 * @param problem why it cannot be read, or null
 */
record CalicoTier(String name, Double order, boolean pass, String problem) {
  static final String DEFAULT = "default";
  static final double DEFAULT_ORDER = 1_000_000;

  /** The default tier as installed. */
  static final CalicoTier DEFAULT_TIER = new CalicoTier(DEFAULT, DEFAULT_ORDER, false, null);

  static final Comparator<CalicoTier> ORDER =
      Comparator.comparing(
              CalicoTier::order, Comparator.nullsLast(Comparator.<Double>naturalOrder()))
          .thenComparing(CalicoTier::name);

  /** How reports name it: {@code Tier security}. */
  String display() {
    return "Tier " + name;
  }
}
