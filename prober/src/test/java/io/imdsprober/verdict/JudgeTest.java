package io.imdsprober.verdict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imdsprober.facts.DnsResult;
import io.imdsprober.facts.EgressResult;
import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.Fingerprint;
import io.imdsprober.facts.Profile;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven: every verdict, and every fact that changes it. */
class JudgeTest {
  private static final String IMDS = "169.254.169.254:80";
  private static final String POD_IDENTITY = "169.254.170.23:80";
  private static final Judge JUDGE = new Judge(Map.of(POD_IDENTITY, "EKS Pod Identity"));

  static MetadataFact md(
      String target, RequestMode mode, TcpResult tcp, Integer http, TokenResult token) {
    return new MetadataFact(
        target,
        Profile.AWS,
        mode,
        tcp,
        1L,
        http,
        http == null ? null : Fingerprint.AWS,
        token,
        1,
        null);
  }

  static MetadataFact blocked(TcpResult tcp) {
    return md(IMDS, RequestMode.HTTP, tcp, null, TokenResult.NOT_TRIED);
  }

  static MetadataFact http(int status, TokenResult token) {
    return md(IMDS, RequestMode.HTTP, TcpResult.CONNECTED, status, token);
  }

  static final DnsFact DNS_OK =
      new DnsFact(
          "kubernetes.default.svc.cluster.local", "10.96.0.10:53", "udp", DnsResult.OK, 2, 1);
  static final EgressFact EGRESS_OK =
      new EgressFact("https://example.com/", EgressResult.OK, 200, 50);

  static DnsFact dns(DnsResult r) {
    return new DnsFact("kubernetes.default.svc.cluster.local", "10.96.0.10:53", "udp", r, 2, 0);
  }

  static EgressFact egress(EgressResult r) {
    return new EgressFact("https://example.com/", r, null, 50);
  }

  static Facts facts(List<MetadataFact> m, List<DnsFact> d, List<EgressFact> e) {
    return new Facts(1, "p", "n", "2026-11-26T10:00:00Z", 10, m, d, e, List.of());
  }

  static Facts facts(MetadataFact... m) {
    return facts(List.of(m), List.of(DNS_OK), List.of(EGRESS_OK));
  }

  static final Expectations DEFAULT = Expectations.DEFAULT;
  static final Expectations EXPECT_EGRESS_BLOCKED =
      new Expectations(
          Expectations.Metadata.BLOCKED, Expectations.Dns.OK, Expectations.Egress.BLOCKED);

  /** Facts with the metadata target dropped and the given positive controls. */
  static Facts controls(List<DnsFact> d, List<EgressFact> e) {
    return facts(List.of(blocked(TcpResult.TIMEOUT)), d, e);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // metadata blocked in each way, positive controls fine: protected
        Arguments.of(
            "dropped", facts(blocked(TcpResult.TIMEOUT)), DEFAULT, Verdict.PROTECTED, "timeout"),
        Arguments.of(
            "refused", facts(blocked(TcpResult.REFUSED)), DEFAULT, Verdict.PROTECTED, "refused"),
        Arguments.of(
            "no route",
            facts(blocked(TcpResult.UNREACHABLE)),
            DEFAULT,
            Verdict.PROTECTED,
            "unreachable"),
        // what makes it exposed
        Arguments.of(
            "IMDSv1 200",
            facts(http(200, TokenResult.OBTAINED)),
            DEFAULT,
            Verdict.EXPOSED,
            "HTTP 200"),
        Arguments.of(
            "2xx without token",
            facts(http(204, TokenResult.NOT_TRIED)),
            DEFAULT,
            Verdict.EXPOSED,
            "HTTP 204"),
        Arguments.of(
            "token obtained though GET 401",
            facts(http(401, TokenResult.OBTAINED)),
            DEFAULT,
            Verdict.EXPOSED,
            "token obtained"),
        Arguments.of(
            "TCP-only target accepted",
            facts(
                md(
                    "168.63.129.16:32526",
                    RequestMode.TCP,
                    TcpResult.CONNECTED,
                    null,
                    TokenResult.NOT_TRIED)),
            DEFAULT,
            Verdict.EXPOSED,
            "accepted a TCP connection"),
        Arguments.of(
            "one of two targets open",
            facts(
                blocked(TcpResult.TIMEOUT),
                md(
                    "[fd00:ec2::254]:80",
                    RequestMode.HTTP,
                    TcpResult.CONNECTED,
                    200,
                    TokenResult.NOT_TRIED)),
            DEFAULT,
            Verdict.EXPOSED,
            "[fd00:ec2::254]:80"),
        Arguments.of(
            "exposed even with DNS down",
            facts(
                List.of(http(200, TokenResult.NOT_TRIED)),
                List.of(dns(DnsResult.TIMEOUT)),
                List.of(EGRESS_OK)),
            DEFAULT,
            Verdict.EXPOSED,
            "HTTP 200"),
        // what makes it reachable (gated)
        Arguments.of(
            "IMDSv2 hop limit",
            facts(http(401, TokenResult.TIMEOUT)),
            DEFAULT,
            Verdict.REACHABLE,
            "HTTP 401, token timeout"),
        Arguments.of(
            "403 with the header",
            facts(http(403, TokenResult.NOT_TRIED)),
            DEFAULT,
            Verdict.REACHABLE,
            "HTTP 403"),
        Arguments.of(
            "connected, no HTTP answer",
            facts(md(IMDS, RequestMode.HTTP, TcpResult.CONNECTED, null, TokenResult.NOT_TRIED)),
            DEFAULT,
            Verdict.REACHABLE,
            "no HTTP answer"),
        // positive controls: degraded
        Arguments.of(
            "DNS servfail",
            controls(List.of(dns(DnsResult.SERVFAIL)), List.of(EGRESS_OK)),
            DEFAULT,
            Verdict.DEGRADED,
            "dns kubernetes.default.svc.cluster.local servfail"),
        Arguments.of(
            "DNS timeout",
            controls(List.of(dns(DnsResult.TIMEOUT)), List.of(EGRESS_OK)),
            DEFAULT,
            Verdict.DEGRADED,
            "timeout"),
        Arguments.of(
            "egress timeout",
            controls(List.of(DNS_OK), List.of(egress(EgressResult.TIMEOUT))),
            DEFAULT,
            Verdict.DEGRADED,
            "egress https://example.com/ timeout"),
        Arguments.of(
            "no DNS check at all",
            controls(List.of(), List.of(EGRESS_OK)),
            DEFAULT,
            Verdict.DEGRADED,
            "no DNS check"),
        Arguments.of(
            "no egress check at all",
            controls(List.of(DNS_OK), List.of()),
            DEFAULT,
            Verdict.DEGRADED,
            "no egress check"),
        // expectations from annotations change the outcome
        Arguments.of(
            "DNS any",
            controls(List.of(dns(DnsResult.NXDOMAIN)), List.of(EGRESS_OK)),
            new Expectations(
                Expectations.Metadata.BLOCKED, Expectations.Dns.ANY, Expectations.Egress.OK),
            Verdict.PROTECTED,
            "blocked"),
        Arguments.of(
            "egress expected blocked and blocked",
            controls(List.of(DNS_OK), List.of(egress(EgressResult.REFUSED))),
            EXPECT_EGRESS_BLOCKED,
            Verdict.PROTECTED,
            "blocked"),
        Arguments.of(
            "egress expected blocked but ok",
            facts(blocked(TcpResult.TIMEOUT)),
            EXPECT_EGRESS_BLOCKED,
            Verdict.DEGRADED,
            "expected blocked"),
        Arguments.of(
            "egress expected blocked, a TLS error is not a block",
            controls(List.of(DNS_OK), List.of(egress(EgressResult.TLS))),
            EXPECT_EGRESS_BLOCKED,
            Verdict.DEGRADED,
            "tls"),
        Arguments.of(
            "metadata expected reachable but blocked",
            facts(blocked(TcpResult.TIMEOUT)),
            new Expectations(
                Expectations.Metadata.REACHABLE, Expectations.Dns.OK, Expectations.Egress.OK),
            Verdict.DEGRADED,
            "expected reachable"),
        // allowed targets are never an exposure
        Arguments.of(
            "EKS Pod Identity open",
            facts(
                blocked(TcpResult.TIMEOUT),
                md(
                    POD_IDENTITY,
                    RequestMode.TCP,
                    TcpResult.CONNECTED,
                    null,
                    TokenResult.NOT_TRIED)),
            DEFAULT,
            Verdict.PROTECTED,
            "blocked"),
        // facts that cannot be judged
        Arguments.of(
            "connect error",
            facts(blocked(TcpResult.ERROR)),
            DEFAULT,
            Verdict.ERROR,
            Judge.CHECK_ERROR),
        Arguments.of(
            "no metadata facts",
            facts(List.of(), List.of(DNS_OK), List.of(EGRESS_OK)),
            DEFAULT,
            Verdict.ERROR,
            Judge.NO_METADATA_FACTS),
        Arguments.of(
            "only platform-served targets: the platform doing its job is not an error",
            facts(
                md(
                    POD_IDENTITY,
                    RequestMode.TCP,
                    TcpResult.CONNECTED,
                    null,
                    TokenResult.NOT_TRIED)),
            DEFAULT,
            Verdict.PROTECTED,
            "169.254.170.23:80 is EKS Pod Identity (connected)"));
  }

  @ParameterizedTest(name = "{0}: {3}")
  @MethodSource("table")
  @DisplayName("facts + expectations -> verdict, with the deciding fact as reason")
  void verdicts(String name, Facts facts, Expectations expect, Verdict verdict, String reasonPart) {
    Judgement j = JUDGE.judge(facts, expect);
    assertThat(j.verdict()).as(name + ": " + j.reason()).isEqualTo(verdict);
    assertThat(j.reason()).contains(reasonPart);
  }

  @Test
  @DisplayName(
      "only protected (and skipped) namespaces are as expected by default; errors never are")
  void asExpected() {
    assertThat(JUDGE.judge(facts(blocked(TcpResult.TIMEOUT)), DEFAULT).asExpected()).isTrue();
    assertThat(JUDGE.judge(facts(http(200, TokenResult.OBTAINED)), DEFAULT).asExpected()).isFalse();
    assertThat(JUDGE.judge(facts(http(401, TokenResult.TIMEOUT)), DEFAULT).asExpected()).isFalse();
    assertThat(Judgement.error("deadline").asExpected()).isFalse();
    assertThat(Judgement.skipped().asExpected()).isTrue();
    Judgement degraded =
        JUDGE.judge(controls(List.of(dns(DnsResult.SERVFAIL)), List.of(EGRESS_OK)), DEFAULT);
    assertThat(degraded.metadataOk()).isTrue();
    assertThat(degraded.dnsOk()).isFalse();
    assertThat(degraded.egressOk()).isTrue();
    assertThat(degraded.asExpected()).isFalse();
  }

  @Test
  @DisplayName("a namespace that expects metadata reachable is exposed in fact, yet as expected")
  void expectedReachable() {
    Expectations reach =
        Expectations.DEFAULT.withAnnotations(Map.of(Expectations.EXPECT_METADATA, "reachable"));
    Judgement j = JUDGE.judge(facts(http(200, TokenResult.OBTAINED)), reach);
    assertThat(j.verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(j.metadataOk()).isTrue();
    assertThat(j.asExpected()).isTrue();
  }

  @Test
  @DisplayName("annotations override the defaults; a bad value names the annotation and the value")
  void annotations() {
    Expectations e =
        Expectations.DEFAULT.withAnnotations(
            Map.of(
                Expectations.EXPECT_DNS,
                "any",
                Expectations.EXPECT_EGRESS,
                "blocked",
                "other",
                "x"));
    assertThat(e)
        .isEqualTo(
            new Expectations(
                Expectations.Metadata.BLOCKED, Expectations.Dns.ANY, Expectations.Egress.BLOCKED));
    assertThat(Expectations.DEFAULT.withAnnotations(Map.of())).isEqualTo(Expectations.DEFAULT);
    assertThatThrownBy(
            () ->
                Expectations.DEFAULT.withAnnotations(
                    Map.of(Expectations.EXPECT_EGRESS, "sometimes")))
        .hasMessage(
            "annotation imds-prober.io/expect-egress: 'sometimes' is not one of ok|blocked|any");
  }
}
