package io.imdsprober.facts;

/** Which metadata service answered, judged from its response. */
public enum Fingerprint implements FactWord {
  AWS,
  GCP,
  AZURE,
  OCI,
  ALIBABA,
  UNKNOWN
}
