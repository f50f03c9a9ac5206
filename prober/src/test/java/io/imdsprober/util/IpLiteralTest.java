package io.imdsprober.util;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Canonical address text (RFC 5952), as policy destinations print them. */
class IpLiteralTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "fd00:ec2:0:0:0:0:0:254, fd00:ec2::254",
    "0:0:0:0:0:0:0:0, ::",
    "0:0:0:0:0:0:0:1, ::1",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    "2001:DB8:0:0:0:0:0:AB, 2001:db8::ab",
    "169.254.169.254, 169.254.169.254"
  })
  void canonical(String in, String out) {
    assertThat(IpLiteral.canonical(IpLiteral.address(in))).isEqualTo(out);
  }
}
