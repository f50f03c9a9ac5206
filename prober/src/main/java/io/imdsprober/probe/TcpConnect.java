package io.imdsprober.probe;

import io.imdsprober.facts.TcpResult;
import io.imdsprober.util.IpLiteral;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.time.Duration;

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

  /** Maps a connect failure to its word by its errno ({@link ConnectErrno}). */
  static TcpResult classify(IOException e) {
    return ConnectErrno.classify(e);
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
