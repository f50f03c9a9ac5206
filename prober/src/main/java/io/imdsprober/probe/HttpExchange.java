package io.imdsprober.probe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request on a socket the caller connected, with a bounded read. Hand-written rather
 * than OkHttp on purpose: the metadata check must own exactly one TCP connection (the one whose
 * connect it classified), send exactly one request with no retry, redirect, pooling or added
 * headers, and read at most {@link #MAX_READ} bytes.
 */
final class HttpExchange {
  static final int MAX_READ = 8192;
  private static final String USER_AGENT = "imds-prober";

  private HttpExchange() {}

  /** A request: method, path and the extra headers an attacker would add. */
  record Request(String method, String path, List<Map.Entry<String, String>> headers) {}

  /**
   * What came back.
   *
   * @param status the HTTP status
   * @param headers response headers, names lower-cased (the last of repeated names wins)
   * @param body the start of the body, at most what fitted in the bounded read
   */
  record Reply(int status, Map<String, String> headers, String body) {}

  /**
   * Sends the request and reads the reply.
   *
   * @throws SocketTimeoutException when no complete status line and headers arrive in time
   * @throws IOException on any other failure, or a reply that is not HTTP
   */
  static Reply exchange(Socket socket, String hostHeader, Request request, Duration timeout)
      throws IOException {
    NeverRequest.requireAllowed(request.path());
    StringBuilder head = new StringBuilder();
    head.append(request.method()).append(' ').append(request.path()).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(hostHeader).append("\r\n");
    head.append("User-Agent: ").append(USER_AGENT).append("\r\n");
    head.append("Accept: */*\r\n");
    for (Map.Entry<String, String> h : request.headers()) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (!"GET".equals(request.method())) {
      head.append("Content-Length: 0\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return read(socket, timeout);
  }

  private static Reply read(Socket socket, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[2048];
    int headerEnd = -1;
    while (buf.size() < MAX_READ) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        break;
      }
      socket.setSoTimeout((int) Math.max(1, left));
      int n;
      try {
        n = in.read(chunk, 0, Math.min(chunk.length, MAX_READ - buf.size()));
      } catch (SocketTimeoutException e) {
        break;
      }
      if (n < 0) {
        break;
      }
      buf.write(chunk, 0, n);
      headerEnd = indexOfHeaderEnd(buf.toByteArray());
      if (headerEnd >= 0 && bodyComplete(buf.toByteArray(), headerEnd)) {
        break;
      }
    }
    byte[] bytes = buf.toByteArray();
    if (headerEnd < 0) {
      headerEnd = indexOfHeaderEnd(bytes);
    }
    if (headerEnd < 0) {
      if (bytes.length == 0) {
        throw new SocketTimeoutException("no HTTP reply within " + timeout.toMillis() + " ms");
      }
      throw new IOException("the reply is not HTTP or its headers did not end in time");
    }
    return parse(bytes, headerEnd);
  }

  private static boolean bodyComplete(byte[] bytes, int headerEnd) throws IOException {
    Reply partial = parse(bytes, headerEnd);
    String length = partial.headers().get("content-length");
    if (length == null) {
      return false; // read to EOF (Connection: close) or the bound
    }
    try {
      return bytes.length - headerEnd >= Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static int indexOfHeaderEnd(byte[] b) {
    for (int i = 0; i + 3 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
        return i + 4;
      }
    }
    return -1;
  }

  private static Reply parse(byte[] bytes, int headerEnd) throws IOException {
    String head = new String(bytes, 0, headerEnd, StandardCharsets.ISO_8859_1);
    String[] lines = head.split("\r\n");
    String[] status = lines[0].split(" ", 3);
    int code;
    try {
      code = Integer.parseInt(status.length >= 2 && status[0].startsWith("HTTP/") ? status[1] : "");
    } catch (NumberFormatException e) {
      throw new IOException("the reply is not HTTP: " + abbreviate(lines[0]));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    String body = new String(bytes, headerEnd, bytes.length - headerEnd, StandardCharsets.UTF_8);
    return new Reply(code, headers, body);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
