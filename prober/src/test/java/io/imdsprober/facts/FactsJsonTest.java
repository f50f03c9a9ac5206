package io.imdsprober.facts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FactsJsonTest {
  static Facts sample() {
    return new Facts(
        1,
        "imds-probe-abc",
        "node-1",
        "2026-11-26T10:00:00Z",
        3071,
        List.of(
            new MetadataFact(
                "169.254.169.254:80",
                Profile.AWS,
                RequestMode.HTTP,
                TcpResult.CONNECTED,
                2L,
                401,
                Fingerprint.AWS,
                TokenResult.NOT_TRIED,
                3,
                null)),
        List.of(
            new DnsFact(
                "kubernetes.default.svc.cluster.local",
                "10.96.0.10:53",
                "udp",
                DnsResult.OK,
                4,
                1)),
        List.of(new EgressFact("https://example.com/", EgressResult.OK, 200, 120)),
        List.of());
  }

  @Test
  @DisplayName("writes the contract's field names, in order, and its value words")
  void contract() {
    String json = FactsJson.write(sample());
    assertThat(json)
        .startsWith("{\"v\":1,\"pod\":\"imds-probe-abc\",\"node\":\"node-1\",\"started\":")
        .contains(
            "\"metadata\":[{\"target\":\"169.254.169.254:80\",\"profile\":\"aws\",\"mode\":\"http\","
                + "\"tcp\":\"connected\",\"connectMs\":2,\"http\":401,\"fingerprint\":\"aws\",\"token\":\"not-tried\","
                + "\"attempts\":3,\"openedThenBlockedMs\":null}]")
        .contains(
            "\"dns\":[{\"name\":\"kubernetes.default.svc.cluster.local\",\"server\":\"10.96.0.10:53\","
                + "\"proto\":\"udp\",\"result\":\"ok\",\"ms\":4,\"answers\":1}]")
        .contains(
            "\"egress\":[{\"url\":\"https://example.com/\",\"result\":\"ok\",\"http\":200,\"ms\":120}]")
        .endsWith("\"errors\":[]}")
        .doesNotContain("\n");
  }

  @Test
  @DisplayName("reads back what it writes, and ignores fields a newer agent adds")
  void roundTrip() {
    assertThat(FactsJson.read(FactsJson.write(sample()))).isEqualTo(sample());
    String newer = FactsJson.write(sample()).replace("{\"v\":1,", "{\"v\":1,\"future\":true,");
    assertThat(FactsJson.read(newer)).isEqualTo(sample());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not json",
        "null",
        "{\"v\":1,\"pod\":\"p\"",
        "{\"v\":2,\"pod\":\"p\",\"elapsedMs\":1}",
        "{\"pod\":\"p\",\"elapsedMs\":1}",
        "{\"v\":1,\"elapsedMs\":1,\"metadata\":[{\"target\":\"x\",\"tcp\":\"open\",\"attempts\":1}]}",
        "{\"v\":1,\"elapsedMs\":1,\"metadata\":[{\"tcp\":\"timeout\",\"attempts\":1}]}",
        "[1,2,3]"
      })
  @DisplayName("malformed results are a MalformedFactsException that says what is wrong")
  void malformed(String json) {
    assertThatThrownBy(() -> FactsJson.read(json))
        .isInstanceOf(MalformedFactsException.class)
        .hasMessageStartingWith("the probe result");
  }

  @Test
  @DisplayName("every value word round-trips, and an unknown word names itself")
  void words() {
    assertThat(TokenResult.NOT_TRIED.word()).isEqualTo("not-tried");
    for (TcpResult r : TcpResult.values()) {
      assertThat(FactWord.parse(TcpResult.class, r.word())).isEqualTo(r);
    }
    assertThatThrownBy(() -> FactWord.parse(EgressResult.class, "fine"))
        .hasMessage("'fine' is not one of ok|dns|timeout|refused|unreachable|tls|error");
  }
}
