package io.imdsprober.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.imdsprober.ProberException;
import io.imdsprober.util.Threads;
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

  /**
   * @param address where to listen
   * @param scrape the metrics text
   * @param healthy whether the process and its scheduler are alive
   * @param ready the reason it is not ready, or null when it is
   */
  public MetricsServer(
      InetSocketAddress address,
      Supplier<String> scrape,
      BooleanSupplier healthy,
      Supplier<String> ready) {
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new ProberException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    server.setExecutor(Executors.newFixedThreadPool(2, Threads.daemon("imds-http")));
    exact("/metrics", ex -> respond(ex, 200, CONTENT_TYPE, scrape.get()));
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

  private static void respond(HttpExchange ex, int status, String type, String body)
      throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        ex.sendResponseHeaders(405, -1);
        return;
      }
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
