package io.imdsprober.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.TcpResult;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classification of a failed connect is total: each exception as the JDK throws it on Linux for
 * each errno (the class varies, the errno's text decides) gets its word; {@code error} only for
 * what says nothing about the path.
 */
class ConnectErrnoTest {
  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(new SocketTimeoutException("Connect timed out"), TcpResult.TIMEOUT),
        Arguments.of(new ConnectException("Connection timed out"), TcpResult.TIMEOUT),
        Arguments.of(new ConnectException("Connection refused"), TcpResult.REFUSED),
        Arguments.of(new SocketException("Network is unreachable"), TcpResult.UNREACHABLE),
        Arguments.of(new NoRouteToHostException("No route to host"), TcpResult.UNREACHABLE),
        // icmp6-adm-prohibited, ICMPv6 policy failure, an IPv6 prohibit route: EACCES
        Arguments.of(new BindException("Permission denied"), TcpResult.UNREACHABLE),
        Arguments.of(new SocketException("Operation not permitted"), TcpResult.UNREACHABLE),
        // ICMP protocol unreachable: ENOPROTOOPT
        Arguments.of(new SocketException("Protocol not available"), TcpResult.UNREACHABLE),
        Arguments.of(new SocketException("Host is down"), TcpResult.UNREACHABLE),
        Arguments.of(new SocketException("Machine is not on the network"), TcpResult.UNREACHABLE),
        Arguments.of(
            new SocketException("Address family not supported by protocol"), TcpResult.UNREACHABLE),
        Arguments.of(new SocketException("Protocol family unavailable"), TcpResult.UNREACHABLE),
        // the agent's own trouble says nothing about the path
        Arguments.of(new SocketException("Too many open files"), TcpResult.ERROR),
        Arguments.of(new BindException("Cannot assign requested address"), TcpResult.ERROR),
        Arguments.of(new SocketException("No buffer space available"), TcpResult.ERROR),
        Arguments.of(new IOException((String) null), TcpResult.ERROR));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("table")
  void classify(IOException e, TcpResult word) {
    assertThat(TcpConnect.classify(e)).isEqualTo(word);
  }
}
