package io.imdsprober.probe;

import io.imdsprober.facts.EgressResult;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.util.Threads;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.SocketFactory;
import javax.net.ssl.SSLException;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One HTTPS request to an external URL with OkHttp: never through a proxy, no redirects, no
 * retries, the whole call bounded by the plan's timeout. Any HTTP status means the network let the
 * pod out.
 */
final class EgressCheck {
  private final OkHttpClient client;

  EgressCheck(Duration timeout) {
    this.client =
        new OkHttpClient.Builder()
            .proxy(Proxy.NO_PROXY)
            // OkHttp's sockets come from the default SocketFactory, whose plain Socket still
            // honours
            // -DsocksProxyHost: only a Socket made with Proxy.NO_PROXY is truly direct.
            .socketFactory(new DirectSocketFactory())
            // the name is resolved within 3/4 of the timeout: a dead resolver reads dns, not the
            // call's own timeout (the JDK's lookup would outlive it)
            .dns(new BoundedDns(timeout.multipliedBy(3).dividedBy(4)))
            .followRedirects(false)
            .followSslRedirects(false)
            .retryOnConnectionFailure(false)
            .connectTimeout(timeout)
            .readTimeout(timeout)
            .writeTimeout(timeout)
            .callTimeout(timeout)
            .build();
  }

  EgressFact run(URI url, Consumer<String> errors) {
    long start = System.nanoTime();
    Request request =
        new Request.Builder().url(url.toString()).get().header("User-Agent", "imds-prober").build();
    try (Response response = client.newCall(request).execute()) {
      return new EgressFact(
          url.toString(), EgressResult.OK, response.code(), TcpConnect.millisSince(start));
    } catch (IOException e) {
      EgressResult result = classify(e);
      if (result == EgressResult.ERROR) {
        errors.accept("egress " + url + ": " + e);
      }
      return new EgressFact(url.toString(), result, null, TcpConnect.millisSince(start));
    }
  }

  /** The JDK's resolver, given up on after a bound: past it the name did not resolve. */
  static final class BoundedDns implements Dns {
    private static final ExecutorService LOOKUPS =
        Executors.newCachedThreadPool(Threads.daemon("imds-egress-dns"));
    private final Duration bound;

    BoundedDns(Duration bound) {
      this.bound = bound;
    }

    @Override
    public List<InetAddress> lookup(String host) throws UnknownHostException {
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

  /** Makes sockets that never go through a proxy, whatever the JVM's proxy properties say. */
  static final class DirectSocketFactory extends SocketFactory {
    @Override
    public Socket createSocket() {
      return new Socket(Proxy.NO_PROXY);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(
        InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      return connected(new InetSocketAddress(address, port));
    }

    private static Socket connected(InetSocketAddress address) throws IOException {
      Socket s = new Socket(Proxy.NO_PROXY);
      s.connect(address);
      return s;
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
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (t instanceof InterruptedIOException || message.contains("timed out")) {
        return EgressResult.TIMEOUT;
      }
    }
    return EgressResult.ERROR;
  }
}
