package io.imdsprober.lab;

import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A test host's servers, run inside a lab network namespace as its own process ({@code ip netns
 * exec NS java ... LabHost ...}). Never run in the machine's own namespace: it binds metadata
 * addresses that exist only inside the lab.
 *
 * <p>Roles (any combination, from the arguments):
 *
 * <ul>
 *   <li>{@code --imds ADDR:PORT} (repeatable): a fake metadata service whose behaviour is the
 *       current profile, switched at run time by {@code profile NAME} on stdin ({@code none} closes
 *       the listeners so connects are refused). Every accept, request line and header is printed as
 *       an event.
 *   <li>{@code --dns ADDR:PORT} with {@code --zone NAME=A:IP|NXDOMAIN|SERVFAIL|REFUSED|SILENT}
 *       (repeatable): a UDP DNS server.
 *   <li>{@code --https ADDR:PORT} with {@code --keystore FILE --storepass PW}: a TLS server that
 *       answers every request with 204.
 *   <li>{@code --sink ADDR:PORT} (repeatable): a listener that records every connection (a proxy
 *       that must receive nothing).
 * </ul>
 *
 * <p>Events go to stdout, one per line: {@code READY}, {@code ACCEPT port}, {@code REQ method
 * path}, {@code HDR name: value}, {@code SINK port}, {@code DNS name type}. Commands come on stdin,
 * each answered by {@code OK}.
 */
public final class LabHost {
  private static final PrintStream out = System.out;
  private static final int IPPROTO_IP = 0;
  private static final int IP_TTL = 2;
  private static final int IPPROTO_IPV6 = 41;
  private static final int IPV6_UNICAST_HOPS = 16;

  private final List<InetSocketAddress> imdsAddresses = new ArrayList<>();
  private final List<ServerSocketChannel> imdsListeners = new ArrayList<>();
  private volatile String profile = "none";
  private final Map<String, String> zone = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    new LabHost().start(args);
  }

  private void start(String[] args) throws Exception {
    String keystore = null;
    String storepass = null;
    List<InetSocketAddress> https = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--imds" -> imdsAddresses.add(address(args[++i]));
        case "--profile" -> profile = args[++i];
        case "--dns" -> startDns(address(args[++i]));
        case "--zone" -> {
          String[] kv = args[++i].split("=", 2);
          zone.put(kv[0].toLowerCase(Locale.ROOT), kv[1]);
        }
        case "--https" -> https.add(address(args[++i]));
        case "--keystore" -> keystore = args[++i];
        case "--storepass" -> storepass = args[++i];
        case "--sink" -> startSink(address(args[++i]));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    for (InetSocketAddress a : https) {
      startHttps(a, keystore, storepass);
    }
    applyProfile(profile);
    event("READY");
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] words = line.trim().split("\\s+");
      if (words[0].equals("profile")) {
        applyProfile(words[1]);
      }
      event("OK " + line.trim());
    }
    System.exit(0); // stdin closed: the test is done with this host
  }

  private static InetSocketAddress address(String text) throws IOException {
    int colon = text.lastIndexOf(':');
    String host = text.substring(0, colon).replace("[", "").replace("]", "");
    return new InetSocketAddress(
        InetAddress.getByName(host), Integer.parseInt(text.substring(colon + 1)));
  }

  private static synchronized void event(String e) {
    out.println(e);
    out.flush();
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  // ---- fake IMDS ----

  private synchronized void applyProfile(String next) throws IOException {
    profile = next;
    boolean listen = !next.equals("none");
    if (!listen) {
      for (ServerSocketChannel s : imdsListeners) {
        s.close();
      }
      imdsListeners.clear();
    } else if (imdsListeners.isEmpty()) {
      for (InetSocketAddress a : imdsAddresses) {
        ServerSocketChannel server =
            ServerSocketChannel.open(
                a.getAddress() instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6
                    : StandardProtocolFamily.INET);
        server.bind(a);
        imdsListeners.add(server);
        daemon("imds-" + a, () -> acceptLoop(server, a));
      }
    }
  }

  private void acceptLoop(ServerSocketChannel server, InetSocketAddress local) {
    while (server.isOpen()) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        return; // closed by a profile switch
      }
      event("ACCEPT " + local.getPort());
      daemon("imds-conn", () -> serve(ch, local));
    }
  }

  private void serve(SocketChannel ch, InetSocketAddress local) {
    try (ch) {
      Socket s = ch.socket();
      s.setSoTimeout(5000);
      if (local.getPort() != 80) {
        // a TCP-only endpoint (WireServer): accept, say nothing
        s.getInputStream().read();
        return;
      }
      InputStream in = s.getInputStream();
      Map<String, String> headers = new LinkedHashMap<>();
      String requestLine = readHead(in, headers);
      if (requestLine == null) {
        return;
      }
      String[] parts = requestLine.split(" ");
      event("REQ " + parts[0] + " " + parts[1]);
      headers.forEach((k, v) -> event("HDR " + k + ": " + v));
      Reply reply = respond(parts[0], parts[1], headers);
      if (reply.hopLimited) {
        hopLimitOne(ch, local);
      }
      OutputStream o = s.getOutputStream();
      StringBuilder head = new StringBuilder("HTTP/1.1 " + reply.status + " X\r\n");
      reply.headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      byte[] body = reply.body.getBytes(StandardCharsets.UTF_8);
      head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
      o.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      o.write(body);
      o.flush();
      if (reply.hopLimited) {
        Thread.sleep(4000); // keep the socket while its packets die at the router
      }
    } catch (Exception e) {
      event("IMDS-ERROR " + e);
    }
  }

  private static String readHead(InputStream in, Map<String, String> headers) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      buf.write(b);
      state =
          (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
              ? state + 1
              : 0;
    }
    String[] lines = buf.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      if (c > 0) {
        headers.put(lines[i].substring(0, c).trim(), lines[i].substring(c + 1).trim());
      }
    }
    return lines[0];
  }

  private record Reply(int status, Map<String, String> headers, String body, boolean hopLimited) {}

  private static Reply reply(int status, String body, String... headers) {
    Map<String, String> h = new LinkedHashMap<>();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    return new Reply(status, h, body, false);
  }

  private Reply respond(String method, String path, Map<String, String> headers) {
    String p = profile;
    String awsListing = "1.0\n2007-01-19\n2024-04-11\nlatest";
    switch (p) {
      case "aws-v1":
        if (method.equals("PUT") && path.equals("/latest/api/token")) {
          return reply(200, "AQAEAFAKETOKEN==", "Server", "EC2ws");
        }
        return path.equals("/")
            ? reply(200, awsListing, "Server", "EC2ws")
            : reply(404, "", "Server", "EC2ws");
      case "aws-v2":
        if (method.equals("PUT") && path.equals("/latest/api/token")) {
          Reply r = reply(200, "AQAEAFAKETOKEN==", "Server", "EC2ws");
          return new Reply(r.status, r.headers, r.body, true);
        }
        return reply(401, "", "Server", "EC2ws");
      case "gcp":
        if (!"Google".equals(headers.get("Metadata-Flavor"))) {
          return reply(403, "Missing Metadata-Flavor:Google header.", "Metadata-Flavor", "Google");
        }
        return reply(200, "computeMetadata/\n", "Metadata-Flavor", "Google");
      case "azure":
        if (!"true".equals(headers.get("Metadata"))) {
          return reply(400, "{\"error\":\"Bad request. Required metadata header not specified\"}");
        }
        return reply(200, "{\"apiVersions\":[\"2021-02-01\"]}");
      case "oci":
        if (!"Bearer Oracle".equals(headers.get("Authorization"))) {
          return reply(401, "{\"code\":\"NotAuthenticated\"}");
        }
        return reply(200, "us-ashburn-1");
      case "alibaba":
        return reply(200, "hostname\nimage-id\ninstance-id\nregion-id\nzone-id\n");
      case "plain":
      default:
        return reply(404, "not found");
    }
  }

  /** Sets the reply's IP TTL (or IPv6 hop limit) to 1, as EC2 does for the IMDSv2 token reply. */
  private static void hopLimitOne(SocketChannel ch, InetSocketAddress local) throws Exception {
    Method getFd = ch.getClass().getDeclaredMethod("getFDVal");
    getFd.setAccessible(true);
    int fd = (Integer) getFd.invoke(ch);
    boolean v6 = local.getAddress() instanceof java.net.Inet6Address;
    int rc =
        Libc.INSTANCE.setsockopt(
            fd,
            v6 ? IPPROTO_IPV6 : IPPROTO_IP,
            v6 ? IPV6_UNICAST_HOPS : IP_TTL,
            new IntByReference(1).getPointer(),
            4);
    if (rc != 0) {
      throw new IOException("setsockopt TTL failed: errno " + Native.getLastError());
    }
  }

  /** The one libc call Java does not offer: a unicast TTL on a TCP socket. */
  interface Libc extends com.sun.jna.Library {
    Libc INSTANCE = Native.load("c", Libc.class);

    int setsockopt(int fd, int level, int name, com.sun.jna.Pointer value, int len);
  }

  // ---- DNS ----

  private void startDns(InetSocketAddress at) throws IOException {
    DatagramSocket socket = new DatagramSocket(at);
    daemon(
        "dns",
        () -> {
          byte[] buf = new byte[512];
          while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
              socket.receive(p);
              byte[] answer = answer(java.util.Arrays.copyOf(p.getData(), p.getLength()));
              if (answer != null) {
                socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
              }
            } catch (Exception e) {
              event("DNS-ERROR " + e);
            }
          }
        });
  }

  private byte[] answer(byte[] q) {
    ByteBuffer in = ByteBuffer.wrap(q);
    int id = in.getShort() & 0xffff;
    int flags = in.getShort() & 0xffff;
    in.position(12);
    StringBuilder name = new StringBuilder();
    for (int len; (len = in.get() & 0xff) != 0; ) {
      byte[] label = new byte[len];
      in.get(label);
      name.append(name.length() == 0 ? "" : ".")
          .append(new String(label, StandardCharsets.US_ASCII));
    }
    int qtype = in.getShort() & 0xffff;
    in.getShort(); // class
    int questionEnd = in.position();
    String n = name.toString().toLowerCase(Locale.ROOT);
    event("DNS " + n + " " + qtype);
    String rule = zone.getOrDefault(n, "NXDOMAIN");
    int rcode;
    byte[] address = null;
    switch (rule) {
      case "SILENT":
        return null;
      case "NXDOMAIN":
        rcode = 3;
        break;
      case "SERVFAIL":
        rcode = 2;
        break;
      case "REFUSED":
        rcode = 5;
        break;
      default:
        rcode = 0;
        if (qtype == 1 && rule.startsWith("A:")) {
          try {
            address = InetAddress.getByName(rule.substring(2)).getAddress();
          } catch (IOException e) {
            throw new IllegalArgumentException(rule, e);
          }
        }
    }
    ByteBuffer r = ByteBuffer.allocate(questionEnd + 16);
    r.putShort((short) id);
    r.putShort((short) (0x8000 | (flags & 0x0100) | 0x0080 | rcode));
    r.putShort((short) 1)
        .putShort((short) (address == null ? 0 : 1))
        .putShort((short) 0)
        .putShort((short) 0);
    r.put(q, 12, questionEnd - 12);
    if (address != null) {
      r.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(30);
      r.putShort((short) 4).put(address);
    }
    return java.util.Arrays.copyOf(r.array(), r.position());
  }

  // ---- HTTPS "internet" host and sinks ----

  private static void startHttps(InetSocketAddress at, String keystore, String storepass)
      throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream f = new FileInputStream(keystore)) {
      ks.load(f, storepass.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, storepass.toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
    server.bind(at);
    daemon(
        "https",
        () -> {
          while (true) {
            try {
              Socket s = server.accept();
              daemon(
                  "https-conn",
                  () -> {
                    try (s) {
                      s.setSoTimeout(5000);
                      readHead(s.getInputStream(), new LinkedHashMap<>());
                      s.getOutputStream()
                          .write(
                              "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
                                  .getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                      event("HTTPS-ERROR " + e);
                    }
                  });
            } catch (IOException e) {
              return;
            }
          }
        });
  }

  private static void startSink(InetSocketAddress at) throws IOException {
    ServerSocket server = new ServerSocket();
    server.bind(at);
    daemon(
        "sink",
        () -> {
          while (true) {
            try (Socket s = server.accept()) {
              event("SINK " + at.getPort());
            } catch (IOException e) {
              return;
            }
          }
        });
  }
}
