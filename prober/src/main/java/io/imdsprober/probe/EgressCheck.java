package io.imdsprober.probe;

import io.imdsprober.facts.EgressResult;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.util.IpLiteral;
import io.imdsprober.util.Threads;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP(S) request to an external URL, on the JDK's own sockets and TLS: never through a proxy,
 * no redirects, no retries, the whole call (name, connect, handshake, reply) bounded by the plan's
 * timeout. Full certificate validation: the default trust store and the HTTPS host-name check. Any
 * HTTP status means the network let the pod out. The JDK's TLS rather than OkHttp: the agent makes
 * one request per run, and OkHttp with its Kotlin runtime was a third of the probe's start-up CPU
 * (bench/README.md, "Probe cost").
 */
final class EgressCheck {
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(Threads.daemon("imds-egress-deadline"));

  private final Duration timeout;
  private final BoundedDns dns;
  private final SSLSocketFactory sockets;

  /**
   * Loads TLS (the default context: its trust store, which takes a while) here, on a check thread
   * before any call's clock starts, so a slow start-up never reads as an egress timeout.
   */
  EgressCheck(Duration timeout) {
    this.timeout = timeout;
    this.sockets = (SSLSocketFactory) SSLSocketFactory.getDefault();
    // the name is resolved within 3/4 of the timeout: a dead resolver reads dns, not the call's
    // own timeout (the JDK's lookup would outlive it)
    this.dns = new BoundedDns(timeout.multipliedBy(3).dividedBy(4));
  }

  EgressFact run(URI url, Consumer<String> errors) {
    long start = System.nanoTime();
    Call call = new Call();
    try {
      Integer status = status(url, start, call);
      return new EgressFact(url.toString(), EgressResult.OK, status, TcpConnect.millisSince(start));
    } catch (IOException e) {
      if (call.verified) {
        // a verified TLS session with the named host: the network let the pod out, whatever the
        // host then said or did not say (no status to report)
        return new EgressFact(url.toString(), EgressResult.OK, null, TcpConnect.millisSince(start));
      }
      EgressResult result =
          System.nanoTime() - start >= timeout.toNanos() ? EgressResult.TIMEOUT : classify(e);
      if (result == EgressResult.ERROR) {
        errors.accept("egress " + url + ": " + e);
      }
      return new EgressFact(url.toString(), result, null, TcpConnect.millisSince(start));
    }
  }

  /** How far one call got. */
  private static final class Call {
    /** The TLS handshake with the named host succeeded: certificate and host name verified. */
    volatile boolean verified;
  }

  /**
   * The HTTP status of one GET, within the timeout counted from {@code start}: each address of the
   * name in turn until one connects (as OkHttp tried each route), the name resolved as absolute (a
   * trailing dot: no search list, so a tenant's Service named like the host's domain in the pod's
   * namespace cannot stand in for it).
   */
  private Integer status(URI url, long start, Call call) throws IOException {
    boolean tls = "https".equalsIgnoreCase(url.getScheme());
    String host = url.getHost();
    boolean literal = host.startsWith("[") || IpLiteral.is(host);
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    List<InetAddress> addresses =
        literal
            ? List.of(IpLiteral.address(bare))
            : dns.lookup(bare.endsWith(".") ? bare : bare + ".");
    IOException last = null;
    for (InetAddress address : addresses) {
      if (System.nanoTime() - start >= timeout.toNanos()) {
        break;
      }
      try {
        return exchange(url, tls, bare, port, address, start, call);
      } catch (IOException e) {
        if (call.verified) {
          throw e;
        }
        last = e;
        // refused or no route (an IPv4 address from an IPv6-only pod): the next address; anything
        // else happened after the connect, or is the timeout, and stands
        ConnectErrno errno = e instanceof SocketException ? ConnectErrno.of(e) : null;
        if (errno == null || errno.word() == TcpResult.TIMEOUT) {
          throw e;
        }
      }
    }
    throw last != null ? last : new SocketTimeoutException("no address tried within the timeout");
  }

  private Integer exchange(
      URI url, boolean tls, String host, int port, InetAddress address, long start, Call call)
      throws IOException {
    Socket raw = new Socket(Proxy.NO_PROXY);
    // a peer that trickles bytes cannot stretch the call: the socket is closed at the deadline
    ScheduledFuture<?> closer =
        WATCHDOG.schedule(
            () -> closeQuietly(raw), left(start, timeout).toNanos(), TimeUnit.NANOSECONDS);
    try (raw) {
      raw.connect(
          new InetSocketAddress(address, port), (int) Math.max(1, left(start, timeout).toMillis()));
      Socket socket = raw;
      if (tls) {
        // the host as named, without brackets: SNI for a name, IP SANs for a literal
        SSLSocket ssl = (SSLSocket) sockets.createSocket(raw, host, port, true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(params);
        ssl.setSoTimeout((int) Math.max(1, left(start, timeout).toMillis()));
        ssl.startHandshake();
        call.verified = true;
        socket = ssl;
      }
      String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
      if (url.getRawQuery() != null) {
        path = path + "?" + url.getRawQuery();
      }
      String hostHeader =
          (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
              + (url.getPort() > 0 ? ":" + url.getPort() : "");
      return HttpExchange.exchange(
              socket,
              hostHeader,
              new HttpExchange.Request("GET", path, List.of()),
              left(start, timeout))
          .status();
    } finally {
      closer.cancel(false);
    }
  }

  private static Duration left(long start, Duration timeout) {
    return Duration.ofNanos(Math.max(1_000_000, timeout.toNanos() - (System.nanoTime() - start)));
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing only to stop a call past its deadline
    }
  }

  /** The JDK's resolver, given up on after a bound: past it the name did not resolve. */
  static final class BoundedDns {
    private static final ExecutorService LOOKUPS =
        Executors.newCachedThreadPool(Threads.daemon("imds-egress-dns"));
    private final Duration bound;

    BoundedDns(Duration bound) {
      this.bound = bound;
    }

    List<InetAddress> lookup(String host) throws UnknownHostException {
      Future<InetAddress[]> f = LOOKUPS.submit(() -> InetAddress.getAllByName(host));
      try {
        return List.of(f.get(bound.toMillis(), TimeUnit.MILLISECONDS));
      } catch (TimeoutException e) {
        f.cancel(true);
        throw new UnknownHostException(
            host + ": the resolver gave no answer within " + bound.toMillis() + " ms");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownHostException u) {
          throw u;
        }
        throw new UnknownHostException(host + ": " + e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnknownHostException(host + ": interrupted while resolving");
      }
    }
  }

  /** Maps a failed call to its class by the innermost cause that tells. */
  static EgressResult classify(IOException e) {
    Deque<Throwable> chain = new ArrayDeque<>();
    Set<Throwable> seen = new HashSet<>();
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      chain.push(t);
      for (Throwable s : t.getSuppressed()) {
        chain.addLast(s);
      }
    }
    for (Throwable t : chain) {
      if (t instanceof UnknownHostException) {
        return EgressResult.DNS;
      }
      if (t instanceof SSLException) {
        return EgressResult.TLS;
      }
      ConnectErrno errno = t instanceof SocketException ? ConnectErrno.of(t) : null;
      if (errno != null && errno.word() != TcpResult.TIMEOUT) {
        return errno.word() == TcpResult.REFUSED ? EgressResult.REFUSED : EgressResult.UNREACHABLE;
      }
      // the exception's type, never its text: a peer's words ("timed out" in a banner) decide
      // nothing
      if (t instanceof InterruptedIOException) {
        return EgressResult.TIMEOUT;
      }
    }
    return EgressResult.ERROR;
  }
}
