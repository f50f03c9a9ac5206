package io.imdsprober.util;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** IP address literals: checked without any name lookup. */
public final class IpLiteral {
  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  private IpLiteral() {}

  /** Whether the text is an IPv4 or IPv6 literal (IPv6 without brackets). */
  public static boolean is(String host) {
    return host != null && (IPV4.matcher(host).matches() || isIpv6(host));
  }

  private static boolean isIpv6(String host) {
    if (!IPV6.matcher(host).matches()) {
      return false;
    }
    try {
      InetAddress.getByName("[" + host + "]"); // a bracketed literal is parsed, never looked up
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * The address of a literal, without a lookup.
   *
   * @throws IllegalArgumentException when the text is not a literal
   */
  public static InetAddress address(String host) {
    if (!is(host)) {
      throw new IllegalArgumentException("'" + host + "' is not an IPv4 or IPv6 address literal");
    }
    try {
      return InetAddress.getByName(host.indexOf(':') >= 0 ? "[" + host + "]" : host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + host + "' is not an address literal", e);
    }
  }
}
