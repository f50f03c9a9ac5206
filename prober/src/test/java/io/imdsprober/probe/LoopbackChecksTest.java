package io.imdsprober.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imdsprober.facts.EgressResult;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.Fingerprint;
import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.Profile;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The checks against servers on loopback (no root needed): the classification logic's edges. */
class LoopbackChecksTest {
  private final List<ServerSocket> servers = new ArrayList<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (ServerSocket s : servers) {
      s.close();
    }
  }

  /**
   * A loopback server that answers each connection with what {@code reply} makes of its request
   * line.
   */
  private int server(Function<String, byte[]> reply) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    servers.add(server);
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  s.setSoTimeout(2000);
                  String head = readHead(s.getInputStream());
                  if (head.isEmpty()) {
                    continue;
                  }
                  String line = head.split("\r\n")[0];
                  requests.add(line);
                  byte[] r = reply.apply(line);
                  if (r != null) {
                    s.getOutputStream().write(r);
                    s.getOutputStream().flush();
                  }
                  Thread.sleep(r == null ? 1500 : 0);
                } catch (IOException | InterruptedException e) {
                  // next connection
                }
              }
            });
    t.setDaemon(true);
    t.start();
    return server.getLocalPort();
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      sb.append((char) b);
      if (sb.toString().endsWith("\r\n\r\n")) {
        break;
      }
    }
    return sb.toString();
  }

  private static byte[] http(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static ProbePlan plan(Profile profile, int retries) {
    return new ProbePlan(
        profile,
        profile.defaultTargets(),
        profile == Profile.AWS,
        List.of(),
        null,
        List.of(),
        Duration.ofMillis(500),
        Duration.ofMillis(50),
        retries,
        "pod",
        null,
        null);
  }

  @Test
  @DisplayName(
      "an open target is re-tried after each settle, and asked once, on the last attempt only")
  void retriesThenOneRequest() throws Exception {
    int port =
        server(line -> http("HTTP/1.1 200 OK\r\nServer: EC2ws\r\nContent-Length: 6\r\n\r\nlatest"));
    List<Duration> sleeps = new ArrayList<>();
    MetadataCheck check = new MetadataCheck(plan(Profile.AWS, 2), sleeps::add);
    List<String> errors = new ArrayList<>();
    MetadataFact m =
        check.run(new MetadataTarget("127.0.0.1", port, RequestMode.HTTP), errors::add);
    assertThat(m.attempts()).isEqualTo(3);
    assertThat(sleeps).containsExactly(Duration.ofMillis(50), Duration.ofMillis(50));
    assertThat(m.tcp()).isEqualTo(TcpResult.CONNECTED);
    assertThat(m.http()).isEqualTo(200);
    assertThat(m.fingerprint()).isEqualTo(Fingerprint.AWS);
    assertThat(m.token()).isEqualTo(TokenResult.OBTAINED);
    assertThat(requests).containsExactly("GET / HTTP/1.1", "PUT /latest/api/token HTTP/1.1");
    assertThat(errors).isEmpty();
  }

  @Test
  @DisplayName(
      "a target that closes after the first attempt reports the last attempt and openedThenBlockedMs")
  void openThenRefused() throws Exception {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    int port = s.getLocalPort();
    MetadataCheck check =
        new MetadataCheck(
            plan(Profile.GENERIC, 2),
            d -> {
              try {
                s.close(); // the policy lands during the settle
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    MetadataFact m = check.run(new MetadataTarget("127.0.0.1", port, RequestMode.TCP), e -> {});
    assertThat(m.tcp()).isEqualTo(TcpResult.REFUSED);
    assertThat(m.attempts()).isEqualTo(2);
    assertThat(m.openedThenBlockedMs()).isNotNull().isGreaterThanOrEqualTo(0L);
  }

  @Test
  @DisplayName(
      "a server that never answers the request: http null, the wait bounded by the timeout")
  void silentServer() throws Exception {
    int port = server(line -> null);
    long t0 = System.nanoTime();
    List<String> errors = new ArrayList<>();
    MetadataFact m =
        new MetadataCheck(plan(Profile.GCP, 0), d -> {})
            .run(new MetadataTarget("127.0.0.1", port, RequestMode.HTTP), errors::add);
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1400L);
    assertThat(m.tcp()).isEqualTo(TcpResult.CONNECTED);
    assertThat(m.http()).isNull();
    assertThat(m.fingerprint()).isNull();
    assertThat(errors).singleElement().asString().contains("no HTTP reply");
  }

  @Test
  @DisplayName("a reply that is not HTTP, or an endless one, is read at most 8 KiB and named")
  void boundedRead() throws Exception {
    int garbage = server(line -> http("SSH-2.0-OpenSSH\r\n\r\n"));
    try (Socket s = new Socket("127.0.0.1", garbage)) {
      assertThatThrownBy(
              () ->
                  HttpExchange.exchange(
                      s, "x", SafeRequests.forProfile(Profile.AWS), Duration.ofSeconds(1)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("not HTTP");
    }
    int endless = server(line -> http("HTTP/1.1 200 OK\r\n\r\n" + "a".repeat(100_000)));
    try (Socket s = new Socket("127.0.0.1", endless)) {
      HttpExchange.Reply r =
          HttpExchange.exchange(
              s, "x", SafeRequests.forProfile(Profile.AWS), Duration.ofSeconds(1));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().length()).isLessThanOrEqualTo(HttpExchange.MAX_READ);
    }
  }

  @Test
  @DisplayName("TCP failures map to timeout, refused and unreachable by exception and message")
  void tcpClassification() {
    assertThat(TcpConnect.classify(new SocketTimeoutException("connect timed out")))
        .isEqualTo(TcpResult.TIMEOUT);
    assertThat(TcpConnect.classify(new ConnectException("Connection refused")))
        .isEqualTo(TcpResult.REFUSED);
    assertThat(TcpConnect.classify(new ConnectException("Connection timed out")))
        .isEqualTo(TcpResult.TIMEOUT);
    assertThat(TcpConnect.classify(new NoRouteToHostException("No route to host")))
        .isEqualTo(TcpResult.UNREACHABLE);
    assertThat(TcpConnect.classify(new SocketException("Network is unreachable")))
        .isEqualTo(TcpResult.UNREACHABLE);
    assertThat(TcpConnect.classify(new SocketException("Protocol family unavailable")))
        .isEqualTo(TcpResult.UNREACHABLE);
    // EACCES: icmp6-adm-prohibited and the like (issue 15; was error before)
    assertThat(TcpConnect.classify(new SocketException("Permission denied")))
        .isEqualTo(TcpResult.UNREACHABLE);
    assertThat(TcpConnect.classify(new SocketException("Too many open files")))
        .isEqualTo(TcpResult.ERROR);
  }

  @Test
  @DisplayName("egress failures map by their innermost telling cause")
  void egressClassification() {
    ConnectException wrapped = new ConnectException("Failed to connect to /1.2.3.4:443");
    wrapped.initCause(new ConnectException("Connection refused"));
    assertThat(EgressCheck.classify(wrapped)).isEqualTo(EgressResult.REFUSED);
    assertThat(EgressCheck.classify(new UnknownHostException("x"))).isEqualTo(EgressResult.DNS);
    assertThat(EgressCheck.classify(new SSLHandshakeException("PKIX path building failed")))
        .isEqualTo(EgressResult.TLS);
    assertThat(EgressCheck.classify(new java.io.InterruptedIOException("timeout")))
        .isEqualTo(EgressResult.TIMEOUT);
    assertThat(EgressCheck.classify(new NoRouteToHostException("x")))
        .isEqualTo(EgressResult.UNREACHABLE);
    assertThat(EgressCheck.classify(new IOException("unexpected end of stream")))
        .isEqualTo(EgressResult.ERROR);
  }

  @Test
  @DisplayName(
      "an egress host's own words never classify: a non-HTTP banner saying 'timed out' is an error,"
          + " not a timeout (which the prober would count as egress blocked)")
  void peerWordsDoNotClassify() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread peer =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  s.getOutputStream()
                      .write(
                          "SSH-2.0 connection timed out\r\n\r\n"
                              .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // the check reads what it got
                }
              });
      peer.start();
      List<String> errors = new ArrayList<>();
      var fact =
          new EgressCheck(Duration.ofSeconds(2))
              .run(
                  java.net.URI.create("http://127.0.0.1:" + server.getLocalPort() + "/"),
                  errors::add);
      peer.join(5000);
      assertThat(fact.result()).as("errors: %s", errors).isEqualTo(EgressResult.ERROR);
      assertThat(errors).singleElement().asString().contains("not HTTP");
    }
    assertThat(EgressCheck.classify(new IOException("the reply is not HTTP: connection timed out")))
        .isEqualTo(EgressResult.ERROR);
  }

  @Test
  @DisplayName("the agent writes facts even when every check fails at once, in parallel")
  void agentOnLoopback() {
    ProbePlan plan =
        new ProbePlan(
            Profile.GENERIC,
            List.of(new MetadataTarget("127.0.0.1", 1, RequestMode.TCP)),
            false,
            List.of("kubernetes.default.svc.cluster.local"),
            ProbePlan.Endpoint.parse("127.0.0.1:1", 53),
            List.of(java.net.URI.create("https://127.0.0.1:1/")),
            Duration.ofMillis(500),
            Duration.ZERO,
            0,
            "p",
            "n",
            null);
    var facts = new ProbeAgent(plan).run();
    assertThat(facts.metadata())
        .singleElement()
        .extracting(MetadataFact::tcp)
        .isEqualTo(TcpResult.REFUSED);
    assertThat(facts.dns())
        .singleElement()
        .satisfies(d -> assertThat(d.result().word()).isIn("refused", "timeout"));
    assertThat(facts.egress())
        .singleElement()
        .extracting(e -> e.result())
        .isEqualTo(EgressResult.REFUSED);
    assertThat(facts.node()).isEqualTo("n");
  }
}
