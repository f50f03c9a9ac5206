package io.imdsprober.probe;

import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.Profile;
import io.imdsprober.util.IpLiteral;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the agent does, decided before any packet is sent.
 *
 * @param profile the profile whose safe request is made on connected HTTP targets
 * @param metadata the metadata targets
 * @param imdsv2Token whether to try the AWS IMDSv2 token request (TTL 1 s) on connected targets
 * @param dnsNames names to resolve
 * @param dnsServer the nameserver to ask
 * @param egressUrls URLs to request
 * @param timeout bound of each connect, each HTTP exchange, each DNS lookup and each egress call
 * @param settle the wait before re-trying a metadata target that accepted the connection
 * @param retries how many times to re-try such a target
 * @param pod the probe pod's name
 * @param node the node's name, or null
 * @param resultFile where to write the facts besides stdout, or null for nowhere
 */
public record ProbePlan(
    Profile profile,
    List<MetadataTarget> metadata,
    boolean imdsv2Token,
    List<String> dnsNames,
    Endpoint dnsServer,
    List<URI> egressUrls,
    Duration timeout,
    Duration settle,
    int retries,
    String pod,
    String node,
    Path resultFile) {
  public ProbePlan {
    Objects.requireNonNull(profile, "profile");
    metadata = List.copyOf(metadata);
    dnsNames = List.copyOf(dnsNames);
    egressUrls = List.copyOf(egressUrls);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, not " + timeout);
    }
    if (settle.isNegative()) {
      throw new IllegalArgumentException("settle must not be negative, not " + settle);
    }
    if (retries < 0 || retries > 10) {
      throw new IllegalArgumentException("retries must be 0 to 10, not " + retries);
    }
    if (!dnsNames.isEmpty()) {
      Objects.requireNonNull(dnsServer, "dnsServer");
    }
  }

  /** An IP literal and a port; IPv6 written {@code [addr]:port}. */
  public record Endpoint(String host, int port) {
    public Endpoint {
      if (!IpLiteral.is(host)) {
        throw new IllegalArgumentException("'" + host + "' is not an IPv4 or IPv6 address literal");
      }
    }

    /** Parses {@code IP[:PORT]} or {@code [IPV6][:PORT]}, with {@code defaultPort} when absent. */
    public static Endpoint parse(String text, int defaultPort) {
      String s = text.trim();
      if (s.startsWith("[")) {
        int close = s.indexOf(']');
        if (close < 0) {
          throw new IllegalArgumentException("'" + text + "' has no closing ]");
        }
        String rest = s.substring(close + 1);
        int port = rest.isEmpty() ? defaultPort : port(text, rest.substring(1));
        return new Endpoint(s.substring(1, close), port);
      }
      int colon = s.indexOf(':');
      if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) {
        return new Endpoint(s, defaultPort); // bare IPv6
      }
      if (colon >= 0) {
        return new Endpoint(s.substring(0, colon), port(text, s.substring(colon + 1)));
      }
      if (s.isEmpty()) {
        throw new IllegalArgumentException("an address is required");
      }
      return new Endpoint(s, defaultPort);
    }

    private static int port(String text, String port) {
      try {
        int p = Integer.parseInt(port);
        if (p >= 1 && p <= 65535) {
          return p;
        }
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
      throw new IllegalArgumentException("'" + text + "' has no valid port");
    }

    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }
}
