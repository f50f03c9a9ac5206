package io.imdsprober.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.DnsResult;
import io.imdsprober.facts.EgressResult;
import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.FactsJson;
import io.imdsprober.facts.Fingerprint;
import io.imdsprober.facts.Profile;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import io.imdsprober.lab.NetLab;
import io.imdsprober.lab.ProbeLab;
import io.imdsprober.lab.ProbeLab.AgentRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as a real process on real network stacks: a pod, a router and a fake IMDS in network
 * namespaces this test makes (root and {@code ip} needed; skipped otherwise, failed under CI=true).
 */
@Tag("netns")
@DisplayName("probe agent in network namespaces (needs root and ip)")
class ProbeAgentNetnsTest {
  /** Every path the agent may ever ask a metadata service for. */
  private static final Set<String> SAFE_PATHS =
      Set.of(
          "/",
          "/latest/api/token",
          "/metadata/versions",
          "/opc/v2/instance/region",
          "/latest/meta-data/");

  private static final String V4 = "169.254.169.254";
  @TempDir static Path work;
  private static ProbeLab lab;
  private int imdsMark;

  @BeforeAll
  static void startLab() throws Exception {
    NetLab.requireNetns();
    lab = new ProbeLab(work);
  }

  @AfterAll
  static void stopLab() {
    if (lab != null) {
      lab.close();
    }
  }

  @BeforeEach
  void reset() {
    lab.policyAll("open");
    lab.imds.send("profile plain");
    imdsMark = lab.imds.size();
  }

  @AfterEach
  void noCredentialPathWasAskedFor() {
    List<String> paths = requestedPaths();
    assertThat(paths).noneMatch(NeverRequest::forbids);
    assertThat(paths).allMatch(SAFE_PATHS::contains);
  }

  private List<String> requestedPaths() {
    return lab.imds.since(imdsMark).stream()
        .filter(e -> e.startsWith("REQ "))
        .map(e -> e.split(" ")[2])
        .collect(Collectors.toList());
  }

  private List<String> requests() {
    return lab.imds.since(imdsMark).stream()
        .filter(e -> e.startsWith("REQ "))
        .map(e -> e.substring(4))
        .toList();
  }

  private static List<String> flags(String... extra) {
    List<String> f =
        new ArrayList<>(
            List.of(
                "--connect-timeout", "1s",
                "--settle", "200ms",
                "--retries", "1",
                "--egress-url", "https://" + ProbeLab.EGRESS_HOST + "/"));
    f.addAll(List.of(extra));
    return f;
  }

  private static Facts probe(String... extra) throws Exception {
    AgentRun run = lab.probe(flags(extra), List.of(), Map.of());
    assertThat(run.exit()).as("exit code; stderr: %s", run.stderr()).isZero();
    Facts facts = run.facts();
    assertThat(run.resultFileContent())
        .as("the result file holds the same JSON")
        .isEqualTo(FactsJson.write(facts));
    return facts;
  }

  private static MetadataFact only(Facts facts) {
    assertThat(facts.metadata()).hasSize(1);
    return facts.metadata().get(0);
  }

  @Test
  @DisplayName(
      "a dropped path (blackhole route) is a timeout after the connect timeout, and no request")
  void dropped() throws Exception {
    lab.policy(V4, "blackhole");
    MetadataFact m = only(probe("--metadata", V4 + ":80"));
    assertThat(m.tcp()).isEqualTo(TcpResult.TIMEOUT);
    // after the connect timeout (1 s), never before: the word is earned; no tight upper figure
    // (a loaded machine may answer late), only that it is not the whole check's bound
    assertThat(m.connectMs()).isBetween(900L, 5000L);
    assertThat(m.attempts()).isEqualTo(1);
    assertThat(m.http()).isNull();
    assertThat(lab.imds.since(imdsMark)).noneMatch(e -> e.startsWith("ACCEPT"));
  }

  @Test
  @DisplayName("no listener is refused")
  void rejected() throws Exception {
    lab.imds.send("profile none");
    MetadataFact m = only(probe("--metadata", V4 + ":80"));
    assertThat(m.tcp()).isEqualTo(TcpResult.REFUSED);
    assertThat(m.connectMs()).as("told before the 1 s connect timeout").isLessThan(1000L);
  }

  @Test
  @DisplayName("ICMP unreachable and admin-prohibited routes are unreachable, at once")
  void unreachableRoutes() throws Exception {
    lab.policy(V4, "unreachable");
    lab.policy("100.100.100.200", "prohibit");
    Facts facts = probe("--metadata", V4 + ":80", "--metadata", "100.100.100.200:80");
    assertThat(facts.metadata()).extracting(MetadataFact::tcp).containsOnly(TcpResult.UNREACHABLE);
    assertThat(facts.metadata())
        .as("told before the 1 s connect timeout")
        .allSatisfy(m -> assertThat(m.connectMs()).isLessThan(1000L));
  }

  @Test
  @DisplayName(
      "AWS IMDSv1 open: 200 to GET /, fingerprint aws, token obtained, every retry connected")
  void awsV1Open() throws Exception {
    lab.imds.send("profile aws-v1");
    lab.policy(ProbeLab.METADATA_V6, "blackhole");
    Facts facts = probe("--profile", "aws");
    assertThat(facts.metadata())
        .extracting(MetadataFact::target)
        .containsExactly(V4 + ":80", "[fd00:ec2::254]:80");
    MetadataFact m = facts.metadata().get(0);
    assertThat(m.profile()).isEqualTo(Profile.AWS);
    assertThat(m.tcp()).isEqualTo(TcpResult.CONNECTED);
    assertThat(m.http()).isEqualTo(200);
    assertThat(m.fingerprint()).isEqualTo(Fingerprint.AWS);
    assertThat(m.token()).isEqualTo(TokenResult.OBTAINED);
    assertThat(m.attempts()).isEqualTo(2);
    assertThat(m.openedThenBlockedMs()).isNull();
    assertThat(facts.metadata().get(1).tcp()).isEqualTo(TcpResult.TIMEOUT);
    assertThat(requests()).containsExactly("GET /", "PUT /latest/api/token");
    assertThat(lab.imds.since(imdsMark)).contains("HDR X-aws-ec2-metadata-token-ttl-seconds: 1");
  }

  @Test
  @DisplayName(
      "AWS IMDSv2 with hop limit 1: 401 to GET /, the token reply dies at the router (timeout)")
  void awsV2HopLimited() throws Exception {
    lab.imds.send("profile aws-v2");
    Facts facts = probe("--profile", "aws");
    for (MetadataFact m : facts.metadata()) {
      assertThat(m.tcp()).as(m.target()).isEqualTo(TcpResult.CONNECTED);
      assertThat(m.http()).as(m.target()).isEqualTo(401);
      assertThat(m.fingerprint()).isEqualTo(Fingerprint.AWS);
      assertThat(m.token()).as(m.target()).isEqualTo(TokenResult.TIMEOUT);
    }
    assertThat(requests()).containsOnly("GET /", "PUT /latest/api/token").hasSize(4);
  }

  @Test
  @DisplayName("GCP: GET / with Metadata-Flavor: Google, fingerprinted by the response header")
  void gcp() throws Exception {
    lab.imds.send("profile gcp");
    MetadataFact m = only(probe("--profile", "gcp"));
    assertThat(m.http()).isEqualTo(200);
    assertThat(m.fingerprint()).isEqualTo(Fingerprint.GCP);
    assertThat(m.token()).isEqualTo(TokenResult.NOT_TRIED);
    assertThat(lab.imds.since(imdsMark)).contains("HDR Metadata-Flavor: Google");
  }

  @Test
  @DisplayName(
      "Azure: the IMDS gets its Metadata header (it answers 400 without), WireServer is TCP only")
  void azure() throws Exception {
    lab.imds.send("profile azure");
    Facts facts = probe("--profile", "azure");
    Map<String, MetadataFact> byTarget =
        facts.metadata().stream()
            .collect(Collectors.toMap(MetadataFact::target, Function.identity()));
    MetadataFact imds = byTarget.get(V4 + ":80");
    assertThat(imds.http()).isEqualTo(200);
    assertThat(imds.fingerprint()).isEqualTo(Fingerprint.AZURE);
    for (String wire : List.of("168.63.129.16:80", "168.63.129.16:32526")) {
      assertThat(byTarget.get(wire).tcp()).isEqualTo(TcpResult.CONNECTED);
      assertThat(byTarget.get(wire).mode()).isEqualTo(RequestMode.TCP);
      assertThat(byTarget.get(wire).http()).isNull();
    }
    assertThat(requests()).containsExactly("GET /metadata/versions");
    assertThat(lab.imds.since(imdsMark)).contains("HDR Metadata: true");
  }

  @Test
  @DisplayName(
      "Azure's IMDS answers 400 to a request without its header: the fingerprint still says azure")
  void azureWithoutHeaderIsStillAzure() {
    HttpExchange.Reply reply =
        new HttpExchange.Reply(
            400, Map.of(), "{\"error\":\"Bad request. Required metadata header not specified\"}");
    assertThat(SafeRequests.identify(SafeRequests.forProfile(Profile.AZURE), reply))
        .isEqualTo(Fingerprint.AZURE);
  }

  @Test
  @DisplayName("OCI and Alibaba: their safe requests, with OCI's Bearer Oracle header")
  void ociAndAlibaba() throws Exception {
    lab.imds.send("profile oci");
    MetadataFact oci = only(probe("--profile", "oci"));
    assertThat(oci.http()).isEqualTo(200);
    assertThat(oci.fingerprint()).isEqualTo(Fingerprint.OCI);
    assertThat(lab.imds.since(imdsMark)).contains("HDR Authorization: Bearer Oracle");
    lab.imds.send("profile alibaba");
    MetadataFact ali = only(probe("--profile", "alibaba"));
    assertThat(ali.target()).isEqualTo("100.100.100.200:80");
    assertThat(ali.fingerprint()).isEqualTo(Fingerprint.ALIBABA);
  }

  @Test
  @DisplayName("IPv6: connected, dropped, and no IPv6 route at all (unreachable at once)")
  void ipv6() throws Exception {
    lab.imds.send("profile aws-v1");
    MetadataFact open =
        only(
            probe(
                "--profile", "aws", "--metadata", "[fd00:ec2::254]:80", "--imdsv2-token", "false"));
    assertThat(open.tcp()).isEqualTo(TcpResult.CONNECTED);
    assertThat(open.http()).isEqualTo(200);
    assertThat(open.token()).isEqualTo(TokenResult.NOT_TRIED);

    lab.policy(ProbeLab.METADATA_V6, "blackhole");
    assertThat(only(probe("--metadata", "[fd00:ec2::254]:80")).tcp()).isEqualTo(TcpResult.TIMEOUT);

    lab.in(lab.pod, "ip", "-6", "route", "del", "default");
    try {
      MetadataFact none = only(probe("--metadata", "[fd00:ec2::254]:80"));
      assertThat(none.tcp()).isEqualTo(TcpResult.UNREACHABLE);
      // "at once": an answer from the kernel, not the connect timeout (3 s) running out
      assertThat(none.connectMs()).isLessThan(1500L);
    } finally {
      lab.in(lab.pod, "ip", "-6", "route", "add", "default", "via", "2001:db8:2::1");
    }
  }

  @Test
  @DisplayName(
      "DNS and egress: every outcome class, all checks concurrent (bounded by one timeout)")
  void dnsAndEgressClasses() throws Exception {
    lab.policy(V4, "blackhole");
    AgentRun run =
        lab.probe(
            List.of(
                "--connect-timeout", "2s",
                "--metadata", V4 + ":80",
                "--dns-name",
                    "kubernetes.default.svc.cluster.local,missing.lab.test,broken.lab.test",
                "--dns-name", "refuse.lab.test,quiet.lab.test",
                "--egress-url",
                    "https://egress.lab.test/,https://silent.lab.test/,https://closed.lab.test/",
                "--egress-url",
                    "https://missing.lab.test/,https://wrongname.lab.test/,https://unreach.lab.test/"),
            List.of(),
            Map.of());
    assertThat(run.exit()).as(run.stderr()).isZero();
    Facts facts = run.facts();
    assertThat(facts.dns())
        .as("errors: %s", facts.errors())
        .extracting(DnsFact::name, DnsFact::result)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "kubernetes.default.svc.cluster.local", DnsResult.OK),
            org.assertj.core.groups.Tuple.tuple("missing.lab.test", DnsResult.NXDOMAIN),
            org.assertj.core.groups.Tuple.tuple("broken.lab.test", DnsResult.SERVFAIL),
            org.assertj.core.groups.Tuple.tuple("refuse.lab.test", DnsResult.REFUSED),
            org.assertj.core.groups.Tuple.tuple("quiet.lab.test", DnsResult.TIMEOUT));
    assertThat(facts.dns().get(0).answers()).isEqualTo(1);
    assertThat(facts.dns().get(0).server())
        .as("read from the pod's resolv.conf")
        .isEqualTo("198.51.100.53:53");
    assertThat(facts.egress())
        .extracting(EgressFact::result)
        .containsExactly(
            EgressResult.OK,
            EgressResult.TIMEOUT,
            EgressResult.REFUSED,
            EgressResult.DNS,
            EgressResult.TLS,
            EgressResult.UNREACHABLE);
    assertThat(facts.egress().get(0).http()).isEqualTo(204);
    // a dropped metadata target, a silent DNS server and a silent egress host, each 2 s: run at
    // once, the probe takes one timeout, not their sum (6 s)
    assertThat(facts.metadata().get(0).tcp()).isEqualTo(TcpResult.TIMEOUT);
    assertThat(facts.elapsedMs()).isLessThan(6000L);
  }

  @Test
  @DisplayName(
      "a dead resolver: DNS times out and egress says dns (not error), within the one timeout")
  void deadResolver() throws Exception {
    lab.policy(V4, "blackhole");
    lab.blockDns(true);
    try {
      AgentRun run =
          lab.probe(
              List.of(
                  "--connect-timeout", "2s",
                  "--metadata", V4 + ":80",
                  "--egress-url", "https://" + ProbeLab.EGRESS_HOST + "/"),
              List.of(),
              Map.of());
      assertThat(run.exit()).as(run.stderr()).isZero();
      Facts facts = run.facts();
      assertThat(facts.dns()).extracting(DnsFact::result).containsOnly(DnsResult.TIMEOUT);
      assertThat(facts.egress())
          .as("errors: %s", facts.errors())
          .extracting(EgressFact::result)
          .containsExactly(EgressResult.DNS);
      // concurrent: one 2 s timeout, where one after another (metadata 2 s, DNS 2 s, egress's
      // name bound 1.5 s) would take 5.5 s
      assertThat(facts.elapsedMs()).isLessThan(5000L);
    } finally {
      lab.blockDns(false);
    }
  }

  @Test
  @DisplayName(
      "egress names are resolved as absolute: a tenant's Service named like the host's domain in"
          + " the pod's search list (ndots:5) does not stand in for the host")
  void egressNameNotShadowed() throws Exception {
    lab.policy(V4, "blackhole");
    lab.etc(
        lab.pod,
        "resolv.conf",
        "search shop.svc.cluster.local svc.cluster.local cluster.local\n"
            + "nameserver 198.51.100.53\noptions ndots:5\n");
    try {
      AgentRun run =
          lab.probe(
              List.of(
                  "--connect-timeout", "2s",
                  "--metadata", V4 + ":80",
                  "--egress-url", "https://" + ProbeLab.EGRESS_HOST + "/"),
              List.of(),
              Map.of());
      assertThat(run.exit()).as(run.stderr()).isZero();
      assertThat(run.facts().egress())
          .as("errors: %s", run.facts().errors())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.result()).isEqualTo(EgressResult.OK);
                assertThat(e.http()).isEqualTo(204);
              });
    } finally {
      lab.etc(lab.pod, "resolv.conf", "nameserver 198.51.100.53\n");
    }
  }

  @Test
  @DisplayName("a DNS server given as an IPv6 literal is asked over IPv6")
  void ipv6DnsServer() throws Exception {
    lab.policy(V4, "blackhole");
    Facts facts = probe("--metadata", V4 + ":80", "--dns-server", "[" + ProbeLab.DNS_V6 + "]:53");
    assertThat(facts.dns())
        .as("errors: %s", facts.errors())
        .extracting(DnsFact::server, DnsFact::result)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("[" + ProbeLab.DNS_V6 + "]:53", DnsResult.OK));
    assertThat(facts.dns().get(0).answers()).isEqualTo(1);
  }

  @Test
  @DisplayName("HTTP(S)_PROXY and JVM proxy settings are ignored: the proxy receives nothing")
  void proxiesBypassed() throws Exception {
    lab.imds.send("profile aws-v1");
    int sinkMark = lab.proxySink.size();
    String proxy = "http://127.0.0.1:3128";
    AgentRun run =
        lab.probe(
            flags("--profile", "aws", "--metadata", V4 + ":80"),
            List.of(
                "-Dhttp.proxyHost=127.0.0.1",
                "-Dhttp.proxyPort=3128",
                "-Dhttps.proxyHost=127.0.0.1",
                "-Dhttps.proxyPort=3128",
                "-DsocksProxyHost=127.0.0.1",
                "-DsocksProxyPort=3128",
                "-Djava.net.useSystemProxies=true"),
            Map.of(
                "HTTP_PROXY",
                proxy,
                "HTTPS_PROXY",
                proxy,
                "http_proxy",
                proxy,
                "https_proxy",
                proxy,
                "ALL_PROXY",
                proxy,
                "NO_PROXY",
                ""));
    assertThat(run.exit()).as(run.stderr()).isZero();
    Facts facts = run.facts();
    assertThat(facts.metadata().get(0).http()).isEqualTo(200);
    assertThat(facts.egress().get(0).result())
        .as("errors: %s", facts.errors())
        .isEqualTo(EgressResult.OK);
    assertThat(lab.proxySink.since(sinkMark)).as("connections the proxy saw").isEmpty();
  }

  @Test
  @DisplayName(
      "policy flip: open on the first connect, dropped by the retry: openedThenBlockedMs set, tcp timeout")
  void policyFlip() throws Exception {
    lab.imds.send("profile aws-v1");
    CompletableFuture<AgentRun> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return lab.probe(
                    List.of(
                        "--metadata",
                        V4 + ":80",
                        "--connect-timeout",
                        "1s",
                        "--settle",
                        "2s",
                        "--retries",
                        "2",
                        "--egress-url",
                        "https://egress.lab.test/"),
                    List.of(),
                    Map.of());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    lab.imds.awaitFrom(imdsMark, e -> e.startsWith("ACCEPT"), Duration.ofSeconds(30));
    lab.policy(V4, "blackhole");
    AgentRun done = run.get();
    assertThat(done.exit()).as(done.stderr()).isZero();
    MetadataFact m = only(done.facts());
    assertThat(m.tcp()).isEqualTo(TcpResult.TIMEOUT);
    assertThat(m.attempts()).isEqualTo(2);
    assertThat(m.openedThenBlockedMs()).isBetween(1900L, 4000L);
    assertThat(requests()).as("no request was made on the connection that later closed").isEmpty();
  }
}
