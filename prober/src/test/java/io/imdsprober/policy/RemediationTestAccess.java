package io.imdsprober.policy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.imdsprober.policy.EgressPolicies.Destination;
import java.util.List;
import java.util.Set;

/** {@link RemediationTest#reachable} for tests of other packages. */
public final class RemediationTestAccess {
  private RemediationTestAccess() {}

  public static Set<String> reachable(List<? extends HasMetadata> objects, List<Destination> to) {
    return RemediationTest.reachable(objects, to);
  }
}
