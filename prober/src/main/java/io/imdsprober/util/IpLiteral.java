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

  /**
   * The canonical text of an address: dotted IPv4, or IPv6 in RFC 5952 form (lower case, no leading
   * zeros, the longest run of two or more zero groups as {@code ::}).
   */
  public static String canonical(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length == 4) {
      return address.getHostAddress();
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestLen < 2) {
      bestStart = -1;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }
}
