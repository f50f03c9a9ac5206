package io.imdsprober.probe;

import io.imdsprober.facts.TcpResult;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.util.Locale;

/**
 * The errno a failed connect ended with, and what it says about the path to the target. Java keeps
 * no errno, only the C library's text for it ({@code strerror}) in the exception's message, and it
 * wraps the same errno in different classes ({@code EACCES} comes as a {@code BindException}), so
 * the text decides, not the class. Measured in network namespaces (routes, and iptables and
 * ip6tables REJECT in a router and in the pod's own OUTPUT chain): see README "The words".
 *
 * <p>Every errno that means "the path is closed" is {@code refused} or {@code unreachable}; a
 * timeout is {@code timeout}; anything else (the agent's own resource exhaustion: {@code EMFILE},
 * {@code EADDRNOTAVAIL}, {@code ENOBUFS}) says nothing about the path and stays {@code error}.
 */
enum ConnectErrno {
  /** RST (tcp-reset), ICMP port unreachable, icmp6-port-unreachable. */
  ECONNREFUSED("connection refused", TcpResult.REFUSED),
  /** The kernel gave up waiting for the SYN's answer. */
  ETIMEDOUT("connection timed out", TcpResult.TIMEOUT),
  /** ICMP net unreachable or net prohibited, icmp6-no-route, no route at all. */
  ENETUNREACH("network is unreachable", TcpResult.UNREACHABLE),
  /**
   * ICMP host unreachable, host or admin prohibited, icmp6-addr-unreachable, an IPv4 prohibit
   * route.
   */
  EHOSTUNREACH("no route to host", TcpResult.UNREACHABLE),
  /** icmp6-adm-prohibited, ICMPv6 policy failure, reject route (an IPv6 prohibit route). */
  EACCES("permission denied", TcpResult.UNREACHABLE),
  /** A local firewall rule refused the packet. */
  EPERM("operation not permitted", TcpResult.UNREACHABLE),
  /** ICMP protocol unreachable. */
  ENOPROTOOPT("protocol not available", TcpResult.UNREACHABLE),
  /** The neighbour does not answer (ARP/NDP), as the kernel reports a host that is down. */
  EHOSTDOWN("host is down", TcpResult.UNREACHABLE),
  ENONET("machine is not on the network", TcpResult.UNREACHABLE),
  /** A pod with IPv6 disabled, asked for an IPv6 target. */
  EAFNOSUPPORT("address family not supported by protocol", TcpResult.UNREACHABLE),
  /** The JVM's own word when it has no IPv6 at all. */
  NO_IPV6_IN_JVM("protocol family unavailable", TcpResult.UNREACHABLE);

  private final String text;
  private final TcpResult word;

  ConnectErrno(String text, TcpResult word) {
    this.text = text;
    this.word = word;
  }

  /** What the errno says about the path. */
  TcpResult word() {
    return word;
  }

  /**
   * The errno in an exception or its causes (innermost last), or null when none is known: then it
   * says nothing about the path.
   */
  static ConnectErrno of(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return ETIMEDOUT;
      }
      if (t instanceof NoRouteToHostException) {
        return EHOSTUNREACH; // the JDK's class for this errno, whatever the message
      }
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      for (ConnectErrno errno : values()) {
        if (message.contains(errno.text)) {
          return errno;
        }
      }
      if (message.contains("timed out")) {
        return ETIMEDOUT;
      }
    }
    return null;
  }

  /** The word for a failed connect: {@code error} only when no known errno is in it. */
  static TcpResult classify(Throwable e) {
    ConnectErrno errno = of(e);
    return errno == null ? TcpResult.ERROR : errno.word;
  }
}
