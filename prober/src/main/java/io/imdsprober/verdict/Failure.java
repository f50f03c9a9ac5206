package io.imdsprober.verdict;

import java.util.List;
import java.util.Objects;

/**
 * Why a probe produced no facts: a bounded reason (a metric label value) and a detail for people.
 *
 * @param reason one of {@link #REASONS}
 * @param detail what the API server or the pod status said
 */
public record Failure(String reason, String detail) {
  public static final String ADMISSION_DENIED = "admission-denied";
  public static final String QUOTA_EXCEEDED = "quota-exceeded";
  public static final String INVALID = "invalid";
  public static final String UNSCHEDULABLE = "unschedulable";
  public static final String IMAGE_PULL = "image-pull";
  public static final String DEADLINE = "deadline";
  public static final String EVICTED = "evicted";
  public static final String MALFORMED_RESULT = "malformed-result";

  /** Facts that do not answer exactly the planned targets, or that the agent cut to fit. */
  public static final String INCOMPLETE_RESULT = "incomplete-result";

  /** The result did not come from the sweep's own, unchanged probe pod (DESIGN.md "Trust"). */
  public static final String TAMPERED = "tampered";

  public static final String API_ERROR = "api-error";
  public static final String TIMEOUT = "timeout";

  /** The prober itself failed while handling the probe (a bug; logged with its stack trace). */
  public static final String INTERNAL = "internal";

  /** Every reason a failure can have. */
  public static final List<String> REASONS =
      List.of(
          ADMISSION_DENIED,
          QUOTA_EXCEEDED,
          INVALID,
          UNSCHEDULABLE,
          IMAGE_PULL,
          DEADLINE,
          EVICTED,
          MALFORMED_RESULT,
          INCOMPLETE_RESULT,
          TAMPERED,
          API_ERROR,
          TIMEOUT,
          INTERNAL);

  public Failure {
    Objects.requireNonNull(reason, "reason");
    if (!REASONS.contains(reason)) {
      throw new IllegalArgumentException("'" + reason + "' is not a failure reason");
    }
    detail = detail == null ? "" : detail;
  }
}
