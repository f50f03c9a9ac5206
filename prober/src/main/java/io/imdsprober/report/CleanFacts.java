package io.imdsprober.report;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.util.Texts;
import java.util.List;

/**
 * The agent's facts as an output may carry them: every string cleaned and bounded ({@link
 * Bounds#FACT}); the numbers and words, already of the contract, unchanged. The facts came from a
 * pod a tenant can see into, so what it wrote is the tenant's text.
 */
final class CleanFacts {
  private CleanFacts() {}

  static Facts of(Facts f) {
    if (f == null) {
      return null;
    }
    return new Facts(
        f.v(),
        text(f.pod()),
        text(f.node()),
        text(f.started()),
        f.elapsedMs(),
        f.metadata().stream().map(CleanFacts::metadata).toList(),
        f.dns().stream().map(CleanFacts::dns).toList(),
        f.egress().stream().map(CleanFacts::egress).toList(),
        texts(f.errors()));
  }

  private static MetadataFact metadata(MetadataFact m) {
    return new MetadataFact(
        text(m.target()),
        m.profile(),
        m.mode(),
        m.tcp(),
        m.connectMs(),
        m.http(),
        m.fingerprint(),
        m.token(),
        m.attempts(),
        m.openedThenBlockedMs());
  }

  private static DnsFact dns(DnsFact d) {
    return new DnsFact(
        text(d.name()), text(d.server()), text(d.proto()), d.result(), d.ms(), d.answers());
  }

  private static EgressFact egress(EgressFact e) {
    return new EgressFact(text(e.url()), e.result(), e.http(), e.ms());
  }

  private static List<String> texts(List<String> values) {
    return values.stream().map(CleanFacts::text).toList();
  }

  private static String text(String s) {
    return Texts.clean(s, Bounds.FACT);
  }
}
