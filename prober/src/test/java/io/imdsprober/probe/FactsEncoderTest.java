package io.imdsprober.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.DnsResult;
import io.imdsprober.facts.EgressResult;
import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.FactsJson;
import io.imdsprober.facts.Profile;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FactsEncoderTest {
  private static Facts facts(int metadata, int dns, int egress, int errors, int errorLength) {
    List<MetadataFact> m = new ArrayList<>();
    for (int i = 0; i < metadata; i++) {
      m.add(
          new MetadataFact(
              "169.254.169." + i + ":80",
              Profile.GENERIC,
              RequestMode.TCP,
              TcpResult.TIMEOUT,
              3000L,
              null,
              null,
              TokenResult.NOT_TRIED,
              1,
              null));
    }
    List<DnsFact> d = new ArrayList<>();
    for (int i = 0; i < dns; i++) {
      d.add(new DnsFact("name-" + i + ".example.test", "10.96.0.10:53", "udp", DnsResult.OK, 3, 1));
    }
    List<EgressFact> e = new ArrayList<>();
    for (int i = 0; i < egress; i++) {
      e.add(new EgressFact("https://host-" + i + ".example.test/", EgressResult.OK, 200, 40));
    }
    List<String> err = new ArrayList<>();
    for (int i = 0; i < errors; i++) {
      err.add("e" + i + "x".repeat(errorLength));
    }
    return new Facts(1, "pod", "node", "2026-11-26T10:00:00Z", 3000, m, d, e, err);
  }

  private static int bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  @DisplayName("facts that fit are written unchanged")
  void fits() {
    Facts f = facts(2, 1, 1, 0, 0);
    assertThat(FactsEncoder.encode(f)).isEqualTo(FactsJson.write(f));
  }

  @Test
  @DisplayName(
      "oversized facts become valid JSON of at most 4096 bytes that says what was cut; metadata is kept")
  void cuts() {
    Facts big = facts(10, 40, 40, 30, 500);
    assertThat(bytes(FactsJson.write(big))).isGreaterThan(FactsEncoder.LIMIT);
    String json = FactsEncoder.encode(big);
    assertThat(bytes(json)).isLessThanOrEqualTo(FactsEncoder.LIMIT);
    Facts read = FactsJson.read(json);
    assertThat(read.metadata()).hasSize(10);
    assertThat(read.errors())
        .last()
        .asString()
        .startsWith("cut to fit 4096 bytes")
        .contains("errors");
    assertThat(read.dns().size() + read.egress().size()).isLessThan(80);
  }

  @Test
  @DisplayName("a few long error texts are shortened rather than dropped")
  void shortens() {
    Facts f = facts(1, 1, 1, 3, 2000);
    Facts read = FactsJson.read(FactsEncoder.encode(f));
    assertThat(read.errors()).hasSize(4);
    assertThat(read.errors().get(0)).hasSizeLessThan(300).endsWith("...");
  }

  @Test
  @DisplayName("even absurd metadata lists end as valid JSON within the limit")
  void absurd() {
    String json = FactsEncoder.encode(facts(200, 0, 0, 0, 0));
    assertThat(bytes(json)).isLessThanOrEqualTo(FactsEncoder.LIMIT);
    assertThat(FactsJson.read(json).errors())
        .last()
        .asString()
        .contains("metadata results dropped");
  }
}
