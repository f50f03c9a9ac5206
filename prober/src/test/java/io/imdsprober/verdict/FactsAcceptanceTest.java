package io.imdsprober.verdict;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.Profile;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which well-formed facts may be judged at all: one row per rule. */
class FactsAcceptanceTest {
  static final String POD = "imds-probe-1-x";
  static final List<String> PLAN = List.of("169.254.169.254:80", "[fd00:ec2::254]:80");

  static MetadataFact blocked(String target) {
    return new MetadataFact(
        target,
        Profile.AWS,
        RequestMode.HTTP,
        TcpResult.TIMEOUT,
        3000L,
        null,
        null,
        TokenResult.NOT_TRIED,
        1,
        null);
  }

  static Facts facts(String pod, List<String> errors, String... targets) {
    List<MetadataFact> md = new ArrayList<>();
    for (String t : targets) {
      md.add(blocked(t));
    }
    return new Facts(
        1, pod, "node-9", "2026-11-27T10:00:00Z", 3000, md, List.of(), List.of(), errors);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(
            "every planned target once", facts(POD, List.of(), PLAN.get(1), PLAN.get(0)), null, ""),
        Arguments.of(
            "facts of another pod",
            facts("web-0", List.of(), PLAN.toArray(String[]::new)),
            Failure.TAMPERED,
            "the facts name pod 'web-0', but were read from pod 'imds-probe-1-x'"),
        Arguments.of(
            "no pod named",
            facts(null, List.of(), PLAN.toArray(String[]::new)),
            Failure.TAMPERED,
            "the facts name pod 'null'"),
        Arguments.of(
            "cut by the agent",
            facts(
                POD,
                List.of(
                    "cut to fit 4096 bytes: 0 errors, 0 egress, 1 dns, 0 metadata results dropped"),
                PLAN.toArray(String[]::new)),
            Failure.INCOMPLETE_RESULT,
            "the agent cut its facts: cut to fit 4096 bytes"),
        Arguments.of(
            "a planned target missing",
            facts(POD, List.of(), PLAN.get(0)),
            Failure.INCOMPLETE_RESULT,
            "no answer for planned target(s) [fd00:ec2::254]:80"),
        Arguments.of(
            "only a target of its own choosing",
            facts(POD, List.of(), "10.0.0.1:1"),
            Failure.INCOMPLETE_RESULT,
            "no answer for planned target(s) 169.254.169.254:80, [fd00:ec2::254]:80; target(s) not"
                + " planned 10.0.0.1:1"),
        Arguments.of(
            "an extra target",
            facts(POD, List.of(), PLAN.get(0), PLAN.get(1), "10.0.0.1:1"),
            Failure.INCOMPLETE_RESULT,
            "target(s) not planned 10.0.0.1:1"),
        Arguments.of(
            "a target twice (which answer counts?)",
            facts(POD, List.of(), PLAN.get(0), PLAN.get(1), PLAN.get(0)),
            Failure.INCOMPLETE_RESULT,
            "answered more than once 169.254.169.254:80 (2 times)"),
        Arguments.of(
            "thousands of unplanned targets: the detail stays short",
            facts(
                POD,
                List.of(),
                Stream.concat(
                        PLAN.stream(),
                        Stream.iterate(1, i -> i + 1).limit(2000).map(i -> "10.0." + i + ":1"))
                    .toArray(String[]::new)),
            Failure.INCOMPLETE_RESULT,
            "and 1995 more"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void acceptance(String name, Facts facts, String reason, String detail) {
    Failure f = FactsAcceptance.check(facts, PLAN, POD);
    if (reason == null) {
      assertThat(f).as(name).isNull();
    } else {
      assertThat(f).as(name).isNotNull();
      assertThat(f.reason()).as(name).isEqualTo(reason);
      assertThat(f.detail()).as(name).contains(detail).hasSizeLessThan(600);
    }
  }

  @org.junit.jupiter.api.Test
  @org.junit.jupiter.api.DisplayName(
      "a timeout faster than the probe's connect timeout (a second agent run with --connect-timeout"
          + " 1ms by an exec'd tenant) is tampered; one that took the timeout is judged")
  void timeoutFasterThanPlanned() {
    java.time.Duration planned = java.time.Duration.ofSeconds(3);
    Facts honest = facts(POD, List.of(), PLAN.toArray(String[]::new));
    assertThat(FactsAcceptance.check(honest, PLAN, POD, planned)).isNull();
    MetadataFact quick =
        new MetadataFact(
            PLAN.get(0),
            Profile.AWS,
            RequestMode.HTTP,
            TcpResult.TIMEOUT,
            1L,
            null,
            null,
            TokenResult.NOT_TRIED,
            1,
            null);
    Facts forged =
        new Facts(
            1,
            POD,
            "node-9",
            "2026-11-27T10:00:00Z",
            5,
            List.of(quick, blocked(PLAN.get(1))),
            List.of(),
            List.of(),
            List.of());
    Failure f = FactsAcceptance.check(forged, PLAN, POD, planned);
    assertThat(f).isNotNull();
    assertThat(f.reason()).isEqualTo(Failure.TAMPERED);
    assertThat(f.detail())
        .contains("169.254.169.254:80 timed out after 1 ms")
        .contains("connect timeout is 3000 ms");
    assertThat(FactsAcceptance.check(forged, PLAN, POD, null))
        .as("without a planned timeout (offline reads) the rule is not applied")
        .isNull();
  }
}
