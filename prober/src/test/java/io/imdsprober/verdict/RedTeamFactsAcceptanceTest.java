package io.imdsprober.verdict;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.Profile;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Red team (issue 20): the rule "a timeout faster than 90 % of the planned connect timeout is
 * tampered" skips a timeout whose {@code connectMs} is null. The agent never writes that (every
 * connect it makes has a duration: probe/MetadataCheck), and the contract allows null, so a forged
 * document (a tenant who got past the exec fence) dropped the field and the rule never applied
 * (found by the red-team review; a timeout without a duration is now tampered).
 */
class RedTeamFactsAcceptanceTest {
  @Test
  @DisplayName(
      "a timeout with no connectMs (never the agent's own output) is"
          + " tampered, not judged as blocked")
  void timeoutWithoutDuration() {
    List<String> plan = FactsAcceptanceTest.PLAN;
    MetadataFact noDuration =
        new MetadataFact(
            plan.get(0),
            Profile.AWS,
            RequestMode.HTTP,
            TcpResult.TIMEOUT,
            null,
            null,
            null,
            TokenResult.NOT_TRIED,
            1,
            null);
    Facts forged =
        new Facts(
            1,
            FactsAcceptanceTest.POD,
            "node-9",
            "2026-11-27T10:00:00Z",
            5,
            List.of(noDuration, FactsAcceptanceTest.blocked(plan.get(1))),
            List.of(),
            List.of(),
            List.of());
    Failure f = FactsAcceptance.check(forged, plan, FactsAcceptanceTest.POD, Duration.ofSeconds(3));
    assertThat(f).as("a timeout without a duration is not the agent's word").isNotNull();
    assertThat(f.reason()).isEqualTo(Failure.TAMPERED);
  }
}
