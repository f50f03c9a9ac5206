package io.imdsprober.policy.chain;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Optional;

/** Reads one CNI's policy kinds from any objects. Pure. */
public interface CniReader {
  /** Whether the object is of a kind this reader evaluates (it is then no foreign kind). */
  boolean reads(HasMetadata o);

  /**
   * The CNI's policies among {@code objects} (namespaces among them give the labels that namespace
   * selectors read), or empty when there is none of its kinds.
   */
  Optional<CniPolicies> of(List<? extends HasMetadata> objects);
}
