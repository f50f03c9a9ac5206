package io.imdsprober.probe;

import io.imdsprober.facts.TcpResult;
import io.imdsprober.util.IpLiteral;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;

/** One TCP connect, never through a proxy, classified the way a NetworkPolicy shows itself. */
final class TcpConnect {
  private TcpConnect() {}

  /**
   * The outcome of a connect.
   *
   * @param result how the connect ended
   * @param ms how long it took
   * @param socket the connected socket (the caller closes it), or null
   * @param detail the exception's message for {@code error}, else null
   */
  record Outcome(TcpResult result, long ms, Socket socket, String detail) {}

  static Outcome connect(String host, int port, Duration timeout) {
    long start = System.nanoTime();
    Socket socket = new Socket(Proxy.NO_PROXY);
    try {
      socket.connect(
          new InetSocketAddress(IpLiteral.address(host), port), (int) timeout.toMillis());
      return new Outcome(TcpResult.CONNECTED, millisSince(start), socket, null);
    } catch (IOException e) {
      closeQuietly(socket);
      TcpResult result = classify(e);
      return new Outcome(
          result, millisSince(start), null, result == TcpResult.ERROR ? e.toString() : null);
    }
  }

  /**
   * Maps a connect failure to its class: a timeout is a dropped packet, a refusal is an RST or ICMP
   * port unreachable, and both "no route to host" (ICMP host unreachable, admin prohibited) and
   * "network is unreachable" (no route at all) are unreachable.
   */
  static TcpResult classify(IOException e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    if (e instanceof SocketTimeoutException || message.contains("timed out")) {
      return TcpResult.TIMEOUT;
    }
    if (e instanceof NoRouteToHostException) {
      return TcpResult.UNREACHABLE;
    }
    if (e instanceof ConnectException && message.contains("refused")) {
      return TcpResult.REFUSED;
    }
    if (e instanceof SocketException
        && (message.contains("unreachable") || message.contains("protocol family unavailable"))) {
      return TcpResult.UNREACHABLE;
    }
    return TcpResult.ERROR;
  }

  static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do: the socket is gone either way
    }
  }
}
