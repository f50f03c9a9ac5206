package io.imdsprober.facts;

import java.util.List;
import java.util.Objects;

/**
 * What one probe pod saw: raw facts per check, never a verdict. Serialised as one compact JSON
 * object (DESIGN.md "Probe facts").
 *
 * @param v the contract version, {@link #VERSION}
 * @param pod the probe pod's name
 * @param node the node it ran on, or null when unknown
 * @param started when the agent started (ISO-8601 instant)
 * @param elapsedMs how long all checks took together
 * @param metadata one entry per metadata target
 * @param dns one entry per DNS name
 * @param egress one entry per egress URL
 * @param errors problems of the agent itself, and any cut made to fit the size limit
 */
public record Facts(
    int v,
    String pod,
    String node,
    String started,
    long elapsedMs,
    List<MetadataFact> metadata,
    List<DnsFact> dns,
    List<EgressFact> egress,
    List<String> errors) {
  /** The facts contract version this code writes and reads. */
  public static final int VERSION = 1;

  /**
   * How an {@code errors} entry starts when the agent cut its facts to fit the termination message:
   * such facts are not whole, and the prober does not judge them.
   */
  public static final String CUT_PREFIX = "cut to fit ";

  public Facts {
    metadata = List.copyOf(Objects.requireNonNullElse(metadata, List.of()));
    dns = List.copyOf(Objects.requireNonNullElse(dns, List.of()));
    egress = List.copyOf(Objects.requireNonNullElse(egress, List.of()));
    errors = List.copyOf(Objects.requireNonNullElse(errors, List.of()));
  }

  /**
   * One metadata target's outcome.
   *
   * @param target {@code host:port}
   * @param profile the profile whose safe request applies
   * @param mode whether the safe request was due ({@code http}) or the target is TCP only
   * @param tcp the last attempt's connect outcome
   * @param connectMs how long the last connect took
   * @param http the safe request's HTTP status, or null when none was made or none came back
   * @param fingerprint which service answered, or null when nothing answered
   * @param token the AWS IMDSv2 token request's outcome
   * @param attempts how many connects were made (settle-and-retry)
   * @param openedThenBlockedMs when the target was open at first and later blocked: ms from the
   *     first attempt to the first blocked one
   */
  public record MetadataFact(
      String target,
      Profile profile,
      RequestMode mode,
      TcpResult tcp,
      Long connectMs,
      Integer http,
      Fingerprint fingerprint,
      TokenResult token,
      int attempts,
      Long openedThenBlockedMs) {
    public MetadataFact {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(tcp, "tcp");
    }
  }

  /**
   * One DNS lookup's outcome.
   *
   * @param name the name looked up
   * @param server the nameserver asked
   * @param proto the transport ({@code udp})
   * @param result the rcode class or failure
   * @param ms how long it took
   * @param answers the number of address records in the answer
   */
  public record DnsFact(
      String name, String server, String proto, DnsResult result, long ms, int answers) {
    public DnsFact {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(result, "result");
    }
  }

  /**
   * One egress request's outcome.
   *
   * @param url the URL requested
   * @param result how it ended; any HTTP status is {@code ok}
   * @param http the HTTP status, or null when none came back
   * @param ms how long it took
   */
  public record EgressFact(String url, EgressResult result, Integer http, long ms) {
    public EgressFact {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(result, "result");
    }
  }
}
