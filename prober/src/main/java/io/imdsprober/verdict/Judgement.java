package io.imdsprober.verdict;

import java.util.Objects;

/**
 * A verdict with the fact that decided it.
 *
 * @param verdict what the facts show
 * @param reason the deciding fact, or the error class for {@link Verdict#ERROR}
 * @param metadataOk whether the metadata check met its expectation (null when not judged)
 * @param dnsOk whether DNS met its expectation (null when not judged)
 * @param egressOk whether egress met its expectation (null when not judged)
 */
public record Judgement(
    Verdict verdict, String reason, Boolean metadataOk, Boolean dnsOk, Boolean egressOk) {
  public Judgement {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(reason, "reason");
  }

  /** Whether the namespace is as its expectations say: every judged check met its expectation. */
  public boolean asExpected() {
    return verdict != Verdict.ERROR
        && (verdict == Verdict.SKIPPED
            || Boolean.TRUE.equals(metadataOk)
                && Boolean.TRUE.equals(dnsOk)
                && Boolean.TRUE.equals(egressOk));
  }

  /** No facts: an error with a bounded reason (the failure class). */
  public static Judgement error(String reason) {
    return new Judgement(Verdict.ERROR, reason, null, null, null);
  }

  /** Opted out by annotation. */
  public static Judgement skipped() {
    return new Judgement(Verdict.SKIPPED, "skip annotation", null, null, null);
  }
}
