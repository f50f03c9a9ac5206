package io.imdsprober.facts;

/** Outcome of the AWS IMDSv2 token request (TTL 1 s, discarded at once). */
public enum TokenResult implements FactWord {
  OBTAINED,
  TIMEOUT,
  REFUSED,
  NOT_TRIED,
  ERROR
}
