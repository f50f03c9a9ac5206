package io.imdsprober.verdict;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Platform-served endpoints per platform: reported and named, never an exposure, never a reason for
 * {@code error}; the other targets and the positive controls decide.
 */
class JudgePlatformTest {
  static final String IMDS = "169.254.169.254:80";
  static final String POD_IDENTITY = "169.254.170.23:80";
  static final String GKE = "the GKE metadata server (Workload Identity)";
  static final String EKS = "EKS Pod Identity (metadata.allowed)";

  static MetadataFact md(String target, Profile p, RequestMode mode, TcpResult tcp, Integer http) {
    return new MetadataFact(
        target,
        p,
        mode,
        tcp,
        3L,
        http,
        http == null ? null : Fingerprint.GCP,
        TokenResult.NOT_TRIED,
        1,
        null);
  }

  static Facts facts(DnsResult dns, EgressResult egress, MetadataFact... md) {
    return new Facts(
        1,
        "p",
        "node-1",
        "2026-11-27T10:00:00Z",
        3000,
        List.of(md),
        List.of(
            new DnsFact("kubernetes.default.svc.cluster.local", "10.96.0.10", "udp", dns, 2, 1)),
        List.of(
            new EgressFact(
                "https://example.com/", egress, egress == EgressResult.OK ? 200 : null, 90)),
        List.of());
  }

  static Stream<Arguments> table() {
    Map<String, String> gke = Map.of(IMDS, GKE, POD_IDENTITY, EKS);
    Map<String, String> eks = Map.of(POD_IDENTITY, EKS);
    MetadataFact gkeAnswers = md(IMDS, Profile.GCP, RequestMode.HTTP, TcpResult.CONNECTED, 200);
    MetadataFact gkeBlocked = md(IMDS, Profile.GCP, RequestMode.HTTP, TcpResult.TIMEOUT, null);
    MetadataFact gkeError = md(IMDS, Profile.GCP, RequestMode.HTTP, TcpResult.ERROR, null);
    MetadataFact podIdOpen =
        md(POD_IDENTITY, Profile.AWS, RequestMode.TCP, TcpResult.CONNECTED, null);
    MetadataFact podIdBlocked =
        md(POD_IDENTITY, Profile.AWS, RequestMode.TCP, TcpResult.TIMEOUT, null);
    MetadataFact imdsOpen = md(IMDS, Profile.AWS, RequestMode.HTTP, TcpResult.CONNECTED, 200);
    MetadataFact imdsBlocked = md(IMDS, Profile.AWS, RequestMode.HTTP, TcpResult.REFUSED, null);
    return Stream.of(
        Arguments.of(
            "GKE WI, the metadata server answers",
            gke,
            facts(DnsResult.OK, EgressResult.OK, gkeAnswers, podIdBlocked),
            Verdict.PROTECTED,
            "169.254.169.254:80 is the GKE metadata server (Workload Identity) (connected)"),
        Arguments.of(
            "GKE WI, the metadata server blocked by policy",
            gke,
            facts(DnsResult.OK, EgressResult.OK, gkeBlocked, podIdBlocked),
            Verdict.PROTECTED,
            "169.254.169.254:80 is the GKE metadata server (Workload Identity) (timeout)"),
        Arguments.of(
            "GKE WI, the agent could not classify the platform's connect",
            gke,
            facts(DnsResult.OK, EgressResult.OK, gkeError, podIdBlocked),
            Verdict.PROTECTED,
            "is the GKE metadata server"),
        Arguments.of(
            "GKE WI, DNS dead",
            gke,
            facts(DnsResult.TIMEOUT, EgressResult.OK, gkeAnswers, podIdBlocked),
            Verdict.DEGRADED,
            "but dns kubernetes.default.svc.cluster.local timeout"),
        Arguments.of(
            "GKE without WI: the same answer is an exposure",
            eks,
            facts(DnsResult.OK, EgressResult.OK, gkeAnswers, podIdBlocked),
            Verdict.EXPOSED,
            "169.254.169.254:80 connected, HTTP 200"),
        Arguments.of(
            "EKS Pod Identity open, IMDS blocked",
            eks,
            facts(DnsResult.OK, EgressResult.OK, imdsBlocked, podIdOpen),
            Verdict.PROTECTED,
            "metadata blocked (169.254.169.254:80 refused); 169.254.170.23:80 is EKS Pod Identity (metadata.allowed) (connected)"),
        Arguments.of(
            "EKS Pod Identity open, IMDS open: Pod Identity does not decide",
            eks,
            facts(DnsResult.OK, EgressResult.OK, imdsOpen, podIdOpen),
            Verdict.EXPOSED,
            "169.254.169.254:80 connected, HTTP 200"),
        Arguments.of(
            "only platform targets, egress dead",
            eks,
            facts(DnsResult.OK, EgressResult.TIMEOUT, podIdOpen),
            Verdict.DEGRADED,
            "but egress https://example.com/ timeout"));
  }

  @ParameterizedTest(name = "{0}: {3}")
  @MethodSource("table")
  void platform(
      String name, Map<String, String> platform, Facts facts, Verdict verdict, String reason) {
    Judgement j = new Judge(platform).judge(facts, Expectations.DEFAULT);
    assertThat(j.verdict()).as(name + ": " + j.reason()).isEqualTo(verdict);
    assertThat(j.reason()).contains(reason);
  }
}
