package io.imdsprober.policy;

import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.Profile;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.util.IpLiteral;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The destinations a policy check asks about: {@code --to}, or the metadata catalog. Pure. */
public final class Destinations {
  private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

  private Destinations() {}

  /** One profile's default targets, TCP. */
  public static List<Destination> of(Profile profile) {
    List<Destination> out = new ArrayList<>();
    for (MetadataTarget t : profile.defaultTargets()) {
      out.add(new Destination(IpLiteral.address(t.host()), t.port(), "TCP"));
    }
    return out;
  }

  /** Every target of the metadata catalog (every profile's defaults), TCP. */
  public static List<Destination> catalog() {
    Map<String, Destination> out = new LinkedHashMap<>();
    for (Profile p : Profile.values()) {
      for (MetadataTarget t : p.defaultTargets()) {
        Destination d = new Destination(IpLiteral.address(t.host()), t.port(), "TCP");
        out.putIfAbsent(d.word(), d);
      }
    }
    return new ArrayList<>(out.values());
  }

  /**
   * Parses {@code IP[:PORT[/PROTO]]} ({@code [IPV6]:PORT/PROTO} for IPv6; no port: any port; TCP
   * unless named).
   *
   * @throws IllegalArgumentException naming the text and what is wrong
   */
  public static Destination parse(String text) {
    String t = text.trim();
    String protocol = "TCP";
    int slash = t.lastIndexOf('/');
    if (slash >= 0) {
      protocol = t.substring(slash + 1).toUpperCase(Locale.ROOT);
      t = t.substring(0, slash);
      if (!PROTOCOLS.contains(protocol)) {
        throw new IllegalArgumentException(
            "'" + text + "': protocol '" + protocol + "' is not TCP, UDP or SCTP");
      }
    }
    String host = t;
    String port = null;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("'" + text + "' has no closing ]");
      }
      host = t.substring(1, close);
      if (close + 1 < t.length()) {
        if (t.charAt(close + 1) != ':') {
          throw new IllegalArgumentException("'" + text + "' is not [IPV6]:PORT");
        }
        port = t.substring(close + 2);
      }
    } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
      host = t.substring(0, t.indexOf(':'));
      port = t.substring(t.indexOf(':') + 1);
    }
    if (!IpLiteral.is(host)) {
      throw new IllegalArgumentException("'" + text + "': '" + host + "' is not an IP address");
    }
    int p = 0;
    if (port != null) {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + text + "': '" + port + "' is not a port");
      }
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException("'" + text + "': port " + p + " is outside 1-65535");
      }
    }
    return new Destination(IpLiteral.address(host), p, protocol);
  }
}
