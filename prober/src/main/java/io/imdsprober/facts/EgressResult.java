package io.imdsprober.facts;

/** Outcome of one external HTTPS request; any HTTP status counts as ok. */
public enum EgressResult implements FactWord {
  OK,
  DNS,
  TIMEOUT,
  REFUSED,
  UNREACHABLE,
  TLS,
  ERROR
}
