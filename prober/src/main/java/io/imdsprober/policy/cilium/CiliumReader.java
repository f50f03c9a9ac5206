package io.imdsprober.policy.cilium;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.imdsprober.policy.chain.CniPolicies;
import io.imdsprober.policy.chain.CniReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads Cilium's policy kinds, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (group {@code
 * cilium.io}; only {@code v2} is evaluated, another version is named invalid). An object that
 * carries neither {@code spec} nor {@code specs} (the live listing keeps only the names of the
 * kinds it does not evaluate) is not read here: it stays a foreign kind, named incomplete, never
 * guessed. Pure.
 */
public final class CiliumReader implements CniReader {
  public static final String GROUP = "cilium.io";

  @Override
  public boolean reads(HasMetadata o) {
    String v = o.getApiVersion();
    return v != null
        && v.startsWith(GROUP + "/")
        && (CiliumPolicy.CNP.equals(o.getKind()) || CiliumPolicy.CCNP.equals(o.getKind()));
  }

  @Override
  public Optional<CniPolicies> of(List<? extends HasMetadata> objects) {
    List<CiliumPolicy> read = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (reads(o)) {
        read.add(CiliumParser.read(o));
      }
    }
    return read.isEmpty() ? Optional.empty() : Optional.of(new CiliumPolicies(read));
  }
}
