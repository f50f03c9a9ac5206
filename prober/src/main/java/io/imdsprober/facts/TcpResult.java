package io.imdsprober.facts;

/** Outcome of one TCP connect to a metadata target. */
public enum TcpResult implements FactWord {
  TIMEOUT,
  REFUSED,
  UNREACHABLE,
  CONNECTED,
  ERROR
}
