package io.imdsprober.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ipBlock CIDRs read as the API server reads them (k8s.io/utils/net ParseCIDRSloppy, Go's
 * net.ParseCIDR before 1.17): a tenant must not be able to write a block that the evaluator reads
 * differently from the API server (and so gets a prediction that is not the cluster's), and what
 * the CNI may read differently is refused by name, never guessed.
 */
class CidrTest {
  static InetAddress v4(String ip) throws Exception {
    return InetAddress.getByName(ip);
  }

  /** A 16-byte address, also for an IPv4-mapped one (the JDK would give an IPv4 address). */
  static InetAddress v6(String text) throws Exception {
    return Inet6Address.getByAddress(null, Cidr.ipv6(text), -1);
  }

  @Test
  @DisplayName(
      "an IPv4-mapped IPv6 CIDR stays IPv6: 16 bytes, its prefix up to 128, and it holds no IPv4"
          + " destination; its IPv4 reading (some CNIs match through it) is given apart")
  void ipv4MappedStaysIpv6() throws Exception {
    Cidr c = Cidr.parse("::ffff:10.0.0.0/104");
    assertThat(c.network()).hasSize(16);
    assertThat(c.prefix()).isEqualTo(104);
    assertThat(c.contains(v6("::ffff:10.1.2.3"))).isTrue();
    assertThat(c.contains(v4("10.1.2.3"))).as("an IPv4 destination").isFalse();
    assertThat(c.mappedIpv4().network()).containsExactly(10, 0, 0, 0);
    assertThat(c.mappedIpv4().prefix()).isEqualTo(8);
    assertThat(Cidr.parse("::ffff:169.254.0.0/112").contains(v4("169.254.169.254"))).isFalse();
    assertThat(Cidr.parse("fd00:ec2::/64").mappedIpv4()).isNull();
  }

  @ParameterizedTest(name = "{0} holds {1}: {2}")
  @CsvSource({
    "0.0.0.0/0, 169.254.169.254, true",
    "169.254.169.254/32, 169.254.169.254, true",
    "169.254.0.0/16, 169.254.170.23, true",
    "10.0.0.1/8, 10.200.0.1, true",
    "10.0.0.0/8, 169.254.169.254, false",
    "::/0, fd00:ec2::254, true",
    "::/0, 169.254.169.254, false",
    "0.0.0.0/0, fd00:ec2::254, false",
    "fd00:ec2::254/128, fd00:ec2::254, true",
    "FD00:EC2:0:0:0:0:0:0/32, fd00:ec2::254, true",
    "fd00:ec2::/32, fd00:ec3::254, false",
    "::a9fe:a9fe/128, 169.254.169.254, false"
  })
  void contains(String cidr, String ip, boolean in) throws Exception {
    InetAddress a = ip.indexOf(':') >= 0 ? v6(ip) : v4(ip);
    assertThat(Cidr.parse(cidr).contains(a)).isEqualTo(in);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "010.0.0.0/8 | leading zero",
        "10.0.0.0/08 | leading zero",
        "169.254.169.0254/32 | leading zero",
        "::ffff:010.0.0.0/104 | leading zero",
        "fe80::1%eth0/64 | zone",
        "10.0.0.0/33 | outside 0-32",
        "::/129 | outside 0-128",
        "10.0.0.0/+8 | not a decimal number",
        "10.0.0.0/ | not a decimal number",
        "10.0.0/8 | not an IP address",
        "256.0.0.0/8 | not an IP address",
        "1::2::3/64 | more than one '::'",
        "1:2:3:4:5:6:7:8:9/64 | not an IP address",
        "1.2.3.4::/64 | IPv4 part only at the end",
        "10.0.0.0 | not a CIDR",
        "' 10.0.0.0/8' | not an IP address",
        "banana/8 | not an IP address"
      })
  void refusedByName(String text, String why) {
    assertThatThrownBy(() -> Cidr.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text)
        .hasMessageContaining(why);
  }
}
