package io.imdsprober.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.imdsprober.ProberException;
import io.imdsprober.util.Threads;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /metrics}, {@code /healthz} and {@code /readyz} on one port, with the JDK's own HTTP
 * server (three fixed routes need no framework). GET and HEAD only.
 */
public final class MetricsServer implements AutoCloseable {
  /** The text format Micrometer's Prometheus registry writes. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;

  /** A response body written straight to the client. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * @param address where to listen
   * @param scrape writes the metrics text (streamed: thousands of namespaces are megabytes)
   * @param healthy whether the process and its scheduler are alive
   * @param ready the reason it is not ready, or null when it is
   */
  public MetricsServer(
      InetSocketAddress address, Body scrape, BooleanSupplier healthy, Supplier<String> ready) {
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new ProberException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    server.setExecutor(Executors.newFixedThreadPool(2, Threads.daemon("imds-http")));
    exact("/metrics", ex -> stream(ex, scrape));
    exact(
        "/healthz",
        ex -> {
          boolean ok = healthy.getAsBoolean();
          respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "unhealthy\n");
        });
    exact(
        "/readyz",
        ex -> {
          String why = ready.get();
          respond(
              ex,
              why == null ? 200 : 503,
              "text/plain; charset=utf-8",
              why == null ? "ok\n" : why + "\n");
        });
    server.createContext("/", ex -> respond(ex, 404, "text/plain; charset=utf-8", "not found\n"));
  }

  /** A context for this path alone: the JDK's contexts match by prefix ({@code /metricsx}). */
  private void exact(String path, com.sun.net.httpserver.HttpHandler handler) {
    server.createContext(
        path,
        ex -> {
          if (ex.getRequestURI().getPath().equals(path)) {
            handler.handle(ex);
          } else {
            respond(ex, 404, "text/plain; charset=utf-8", "not found\n");
          }
        });
  }

  public void start() {
    server.start();
  }

  /** The port it listens on (useful with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** 200 with the body written as it is made, in chunks of unknown total length. */
  private static void stream(HttpExchange ex, Body body) throws IOException {
    try (ex) {
      if (!allowed(ex)) {
        return;
      }
      ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, 0);
      try (OutputStream out = new BufferedOutputStream(ex.getResponseBody(), 64 * 1024)) {
        body.writeTo(out);
      }
    }
  }

  /** GET and HEAD only: anything else is answered 405 here. */
  private static boolean allowed(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", "GET, HEAD");
    ex.sendResponseHeaders(405, -1);
    return false;
  }

  private static void respond(HttpExchange ex, int status, String type, String body)
      throws IOException {
    try (ex) {
      if (!allowed(ex)) {
        return;
      }
      String method = ex.getRequestMethod();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      if (method.equals("HEAD")) {
        ex.sendResponseHeaders(status, -1);
        return;
      }
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
