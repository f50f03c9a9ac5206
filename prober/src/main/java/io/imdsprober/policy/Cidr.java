package io.imdsprober.policy;

import java.net.InetAddress;

/**
 * An IPv4 or IPv6 CIDR block, as NetworkPolicy ipBlock writes it ({@code 10.0.0.0/8}, {@code
 * ::/0}), read as the API server reads it. Pure; no name lookup, no {@link InetAddress} parsing
 * (the JDK turns {@code ::ffff:10.0.0.0} into the IPv4 address 10.0.0.0, the API server does not).
 *
 * <p>What this relies on: the API server validates {@code ipBlock.cidr} and {@code except} with
 * k8s.io/utils/net {@code ParseCIDRSloppy}, which is Go's {@code net.ParseCIDR} as it was before Go
 * 1.17 (leading zeros allowed, read as decimal). So:
 *
 * <ul>
 *   <li>an address written with a colon is IPv6, also when it ends in a dotted IPv4 part: {@code
 *       ::ffff:10.0.0.0/104} is a 16-byte block with a 104-bit prefix (Go's {@code netip.ParseAddr}
 *       gives an IPv4-mapped IPv6 address, not an IPv4 one), and it never holds an IPv4 destination
 *       here. Version-dependent: Go's {@code net.IPNet.Contains} matches a 4-byte address against
 *       such a block through its IPv4 reading, and a CNI may do the same; {@link #mappedIpv4()}
 *       gives that reading, and {@link EgressPolicies} makes a destination held only through it
 *       unknown (not denied) and names the policy;
 *   <li>leading zeros ({@code 010.0.0.0/8}, {@code 10.0.0.0/08}) are version-dependent: the API
 *       server's sloppy parser reads them as decimal (10.0.0.0/8), Go 1.17 and later {@code
 *       net.ParseCIDR} refuse an address with them (a CNI built with it cannot read the rule),
 *       {@code inet_aton} reads {@code 010} as octal 8, and the API server's strict validation
 *       (KEP-4858, Kubernetes 1.33 and later) refuses them on new objects only (stored ones stay).
 *       How the CNI reads them is not known, so they are refused here with that reason: the policy
 *       is {@code invalid} (named), never guessed;
 *   <li>a zone ({@code fe80::1%eth0/64}) is refused, as Go refuses it; host bits may be set (Go
 *       masks them; only the prefix bits count here too).
 * </ul>
 *
 * @param network the address bytes with the host bits as written (4 or 16)
 * @param prefix the prefix length
 */
public record Cidr(byte[] network, int prefix) {
  /**
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static Cidr parse(String text) {
    String t = text == null ? "" : text;
    int slash = t.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("'" + t + "' is not a CIDR (ADDRESS/PREFIX)");
    }
    String host = t.substring(0, slash);
    String bits = t.substring(slash + 1);
    byte[] bytes;
    try {
      bytes = host.indexOf(':') >= 0 ? ipv6(host) : ipv4(host);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + t + "': " + e.getMessage());
    }
    if (bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(Cidr::digit)) {
      throw new IllegalArgumentException("'" + t + "': the prefix is not a decimal number");
    }
    if (bits.length() > 1 && bits.charAt(0) == '0') {
      throw new IllegalArgumentException(
          "'"
              + t
              + "': the prefix has a leading zero (Go's net.ParseCIDR reads it, netip.ParsePrefix"
              + " refuses it: how the CNI reads it is not known)");
    }
    int prefix = Integer.parseInt(bits);
    if (prefix > bytes.length * 8) {
      throw new IllegalArgumentException(
          "'" + t + "': prefix " + prefix + " is outside 0-" + bytes.length * 8);
    }
    return new Cidr(bytes, prefix);
  }

  private static boolean digit(int c) {
    return c >= '0' && c <= '9';
  }

  private static boolean hex(char c) {
    return digit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
  }

  /** Dotted decimal, four parts of 0-255, no leading zeros (see the class comment). */
  static byte[] ipv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("'" + host + "' is not an IP address");
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || !p.chars().allMatch(Cidr::digit)) {
        throw new IllegalArgumentException("'" + host + "' is not an IP address");
      }
      if (p.length() > 1 && p.charAt(0) == '0') {
        throw new IllegalArgumentException(
            "'"
                + host
                + "' has a leading zero (the API server reads it as decimal, Go 1.17 and later"
                + " refuse it, inet_aton reads it as octal: how the CNI reads it is not known)");
      }
      if (p.length() > 3 || Integer.parseInt(p) > 255) {
        throw new IllegalArgumentException("'" + host + "' is not an IP address");
      }
      out[i] = (byte) Integer.parseInt(p);
    }
    return out;
  }

  /** RFC 4291 text: hex groups, at most one {@code ::}, an optional dotted IPv4 tail; no zone. */
  static byte[] ipv6(String host) {
    if (host.indexOf('%') >= 0) {
      throw new IllegalArgumentException("'" + host + "' has a zone, which a CIDR cannot have");
    }
    int gap = host.indexOf("::");
    if (gap >= 0 && host.indexOf("::", gap + 1) >= 0) {
      throw new IllegalArgumentException("'" + host + "' has more than one '::'");
    }
    String head = gap < 0 ? host : host.substring(0, gap);
    String tail = gap < 0 ? "" : host.substring(gap + 2);
    int[] left = groups(host, head);
    int[] right = groups(host, tail);
    int n = left.length + right.length;
    if (gap < 0 ? n != 8 : n > 7) {
      throw new IllegalArgumentException("'" + host + "' is not an IP address");
    }
    byte[] out = new byte[16];
    for (int i = 0; i < left.length; i++) {
      out[2 * i] = (byte) (left[i] >> 8);
      out[2 * i + 1] = (byte) left[i];
    }
    int at = 8 - right.length;
    for (int i = 0; i < right.length; i++) {
      out[2 * (at + i)] = (byte) (right[i] >> 8);
      out[2 * (at + i) + 1] = (byte) right[i];
    }
    return out;
  }

  /** The 16-bit groups of one side of {@code ::}; a dotted IPv4 part only at the very end. */
  private static int[] groups(String host, String side) {
    if (side.isEmpty()) {
      return new int[0];
    }
    String[] parts = side.split(":", -1);
    int count = parts.length;
    boolean dotted = parts[count - 1].indexOf('.') >= 0;
    int[] out = new int[dotted ? count + 1 : count];
    for (int i = 0; i < count; i++) {
      String p = parts[i];
      if (i == count - 1 && dotted) {
        if (!side.equals(host.substring(host.length() - side.length()))) {
          throw new IllegalArgumentException("'" + host + "': an IPv4 part only at the end");
        }
        byte[] v4 = ipv4(p);
        out[i] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
        out[i + 1] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
        continue;
      }
      if (p.isEmpty() || p.length() > 4 || !p.chars().allMatch(c -> hex((char) c))) {
        throw new IllegalArgumentException("'" + host + "' is not an IP address");
      }
      out[i] = Integer.parseInt(p, 16);
    }
    return out;
  }

  /**
   * The IPv4 reading of an IPv4-mapped IPv6 block ({@code ::ffff:0:0/96} and longer), as Go's
   * {@code net.IPNet.Contains} would match a 4-byte address against it; null for any other block.
   */
  public Cidr mappedIpv4() {
    if (network.length != 16 || prefix < 96) {
      return null;
    }
    for (int i = 0; i < 10; i++) {
      if (network[i] != 0) {
        return null;
      }
    }
    if (network[10] != (byte) 0xff || network[11] != (byte) 0xff) {
      return null;
    }
    return new Cidr(java.util.Arrays.copyOfRange(network, 12, 16), prefix - 96);
  }

  /** Whether the address is in this block (an IPv4 address is never in an IPv6 block). */
  public boolean contains(InetAddress address) {
    return contains(address.getAddress());
  }

  private boolean contains(byte[] a) {
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

  /**
   * Whether every address of {@code inner} is in this block (bytes compared as they are: {@code
   * InetAddress} would turn an IPv4-mapped block into an IPv4 one).
   */
  public boolean covers(Cidr inner) {
    return inner.prefix >= prefix && contains(inner.network);
  }
}
