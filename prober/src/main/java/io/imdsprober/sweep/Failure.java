package io.imdsprober.sweep;

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
  public static final String API_ERROR = "api-error";
  public static final String TIMEOUT = "timeout";

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
          API_ERROR,
          TIMEOUT);

  public Failure {
    Objects.requireNonNull(reason, "reason");
    if (!REASONS.contains(reason)) {
      throw new IllegalArgumentException("'" + reason + "' is not a failure reason");
    }
    detail = detail == null ? "" : detail;
  }
}
