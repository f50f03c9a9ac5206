package io.imdsprober.facts;

import io.imdsprober.util.IpLiteral;
import java.util.Objects;

/**
 * One metadata endpoint to probe: an IP literal (never a name, so no DNS is involved), a port, and
 * the request mode. The profile that decides the safe request is the plan's, not the target's.
 */
public record MetadataTarget(String host, int port, RequestMode mode) {
  public MetadataTarget {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(mode, "mode");
    if (!IpLiteral.is(host)) {
      throw new IllegalArgumentException("'" + host + "' is not an IPv4 or IPv6 address literal");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 1-65535");
    }
  }

  static MetadataTarget of(String host, int port, RequestMode mode) {
    return new MetadataTarget(host, port, mode);
  }

  /** Whether the host is an IPv6 literal. */
  public boolean ipv6() {
    return host.indexOf(':') >= 0;
  }

  /** {@code host:port}, with IPv6 hosts in brackets: the {@code target} field of the facts. */
  public String hostPort() {
    return (ipv6() ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * Parses {@code [tcp=]HOST:PORT} (IPv6 as {@code [addr]:port}). The {@code tcp=} prefix makes the
   * target TCP only; otherwise the profile decides the mode.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static MetadataTarget parse(String text, Profile profile) {
    String spec = text.trim();
    boolean tcpOnly = false;
    if (spec.startsWith("tcp=")) {
      tcpOnly = true;
      spec = spec.substring(4);
    }
    String host;
    String portText;
    if (spec.startsWith("[")) {
      int close = spec.indexOf("]:");
      if (close < 0) {
        throw new IllegalArgumentException("'" + text + "' is not [IPV6]:PORT");
      }
      host = spec.substring(1, close);
      portText = spec.substring(close + 2);
    } else {
      int colon = spec.lastIndexOf(':');
      if (colon < 0 || spec.indexOf(':') != colon) {
        throw new IllegalArgumentException(
            "'" + text + "' is not HOST:PORT (write IPv6 targets as [ADDRESS]:PORT)");
      }
      host = spec.substring(0, colon);
      portText = spec.substring(colon + 1);
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has no numeric port");
    }
    try {
      RequestMode mode = tcpOnly ? RequestMode.TCP : profile.modeFor(host, port);
      return new MetadataTarget(host, port, mode);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "': " + e.getMessage(), e);
    }
  }
}
