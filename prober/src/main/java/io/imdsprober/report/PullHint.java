package io.imdsprober.report;

import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * The one line a sweep adds when every probe failed to pull its image: the first real sweep of a
 * local build, whose default image ({@code ...:0.1.0-SNAPSHOT}) no registry holds, reads so rather
 * than as a table of errors. Pure.
 */
public final class PullHint {
  private PullHint() {}

  /** The hint, when at least one namespace was probed and every probe's error is image-pull. */
  public static Optional<String> of(SweepResult result, String image) {
    List<NamespaceResult> probed =
        result.namespaces().stream()
            .filter(n -> n.judgement().verdict() != Verdict.SKIPPED)
            .toList();
    boolean allPull =
        !probed.isEmpty()
            && probed.stream()
                .allMatch(
                    n ->
                        n.judgement().verdict() == Verdict.ERROR
                            && Failure.IMAGE_PULL.equals(n.judgement().reason()));
    if (!allPull) {
      return Optional.empty();
    }
    return Optional.of(
        "every probe failed to pull its image "
            + image
            + ": build the image, push it where the nodes pull from and pass it by digest"
            + " (--image or probe.image, NAME@sha256:DIGEST; README \"Quick start\")");
  }
}
