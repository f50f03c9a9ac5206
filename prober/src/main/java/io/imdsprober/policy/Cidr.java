package io.imdsprober.policy;

import io.imdsprober.util.IpLiteral;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 CIDR block, as NetworkPolicy ipBlock writes it ({@code 10.0.0.0/8}, {@code
 * ::/0}). Pure.
 *
 * @param network the address bytes with the host bits as written
 * @param prefix the prefix length
 */
public record Cidr(byte[] network, int prefix) {
  /**
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static Cidr parse(String text) {
    String t = text == null ? "" : text.trim();
    int slash = t.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("'" + t + "' is not a CIDR (ADDRESS/PREFIX)");
    }
    String host = t.substring(0, slash);
    if (!IpLiteral.is(host)) {
      throw new IllegalArgumentException("'" + t + "': '" + host + "' is not an IP address");
    }
    byte[] bytes = IpLiteral.address(host).getAddress();
    int prefix;
    try {
      prefix = Integer.parseInt(t.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + t + "': the prefix is not a number");
    }
    if (prefix < 0 || prefix > bytes.length * 8) {
      throw new IllegalArgumentException(
          "'" + t + "': prefix " + prefix + " is outside 0-" + bytes.length * 8);
    }
    return new Cidr(bytes, prefix);
  }

  /** Whether the address is in this block (an IPv4 address is never in an IPv6 block). */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xff << (8 - rest) & 0xff;
    return (a[full] & mask) == (network[full] & mask);
  }

  /** Whether every address of {@code inner} is in this block. */
  public boolean covers(Cidr inner) {
    if (inner.network.length != network.length || inner.prefix < prefix) {
      return false;
    }
    try {
      return contains(InetAddress.getByAddress(inner.network));
    } catch (java.net.UnknownHostException e) {
      return false; // a byte array of 4 or 16 is always an address
    }
  }
}
