package io.imdsprober.policy.chain;

import io.imdsprober.policy.EgressPolicies.Destination;
import java.util.Map;

/**
 * One family of egress policies (NetworkPolicy, AdminNetworkPolicy, ...) as the precedence chain
 * reads it: which pods its rules select, and what it says for a destination. Pure.
 */
public interface PolicyFamily {
  /** Whether some egress policy of the family selects the pod (or may: an invalid one). */
  boolean selects(Subject pod);

  /** What the family says for the pod and the destination, with the rule that said it. */
  Answer answer(Subject pod, Destination d);

  /** The family's objects that cannot be read, by name, with what is wrong. */
  Map<String, String> invalid();
}
