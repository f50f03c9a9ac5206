package io.imdsprober.facts;

/** Outcome class of one DNS lookup: the rcode class, or how the lookup failed. */
public enum DnsResult implements FactWord {
  OK,
  NXDOMAIN,
  SERVFAIL,
  TIMEOUT,
  REFUSED,
  ERROR
}
