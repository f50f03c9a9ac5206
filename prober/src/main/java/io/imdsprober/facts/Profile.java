package io.imdsprober.facts;

import java.util.List;

/**
 * A cloud's metadata service profile: its default targets (DESIGN.md "Metadata endpoint catalog")
 * and which safe request the agent makes when one of them accepts a connection.
 */
public enum Profile implements FactWord {
  AWS(
      List.of(
          MetadataTarget.of("169.254.169.254", 80, RequestMode.HTTP),
          MetadataTarget.of("fd00:ec2::254", 80, RequestMode.HTTP))),
  GCP(List.of(MetadataTarget.of("169.254.169.254", 80, RequestMode.HTTP))),
  AZURE(
      List.of(
          MetadataTarget.of("169.254.169.254", 80, RequestMode.HTTP),
          // WireServer: reachable only by TCP; the agent never speaks to it.
          MetadataTarget.of("168.63.129.16", 80, RequestMode.TCP),
          MetadataTarget.of("168.63.129.16", 32526, RequestMode.TCP))),
  OCI(List.of(MetadataTarget.of("169.254.169.254", 80, RequestMode.HTTP))),
  ALIBABA(List.of(MetadataTarget.of("100.100.100.200", 80, RequestMode.HTTP))),
  GENERIC(List.of(MetadataTarget.of("169.254.169.254", 80, RequestMode.TCP)));

  private final List<MetadataTarget> defaults;

  Profile(List<MetadataTarget> defaults) {
    this.defaults = defaults;
  }

  /** The targets probed when none are configured. */
  public List<MetadataTarget> defaultTargets() {
    return defaults;
  }

  /**
   * The request mode for a target of this profile: the catalog's mode where the target is a catalog
   * default (so Azure's WireServer stays TCP only), TCP for the generic profile, HTTP otherwise.
   */
  public RequestMode modeFor(String host, int port) {
    for (MetadataTarget t : defaults) {
      if (t.host().equals(host) && t.port() == port) {
        return t.mode();
      }
    }
    return this == GENERIC ? RequestMode.TCP : RequestMode.HTTP;
  }

  /** The profile for a word such as {@code aws}; the error names the accepted words. */
  public static Profile parse(String word) {
    return FactWord.parse(Profile.class, word);
  }
}
