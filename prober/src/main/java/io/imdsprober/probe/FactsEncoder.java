package io.imdsprober.probe;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.FactsJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes facts as JSON of at most {@link #LIMIT} bytes, the kubelet's termination message limit.
 * When the facts do not fit, it shortens long strings, then drops entries from the end of the lists
 * (errors first, metadata last), and says what it cut in {@code errors}. The output is always one
 * valid JSON object.
 */
final class FactsEncoder {
  static final int LIMIT = 4096;
  private static final int MAX_TEXT = 240;

  private FactsEncoder() {}

  static String encode(Facts facts) {
    String json = FactsJson.write(facts);
    if (fits(json)) {
      return json;
    }
    List<String> errors = new ArrayList<>();
    for (String e : facts.errors()) {
      errors.add(shorten(e));
    }
    List<Facts.MetadataFact> metadata = new ArrayList<>(facts.metadata());
    List<Facts.DnsFact> dns = new ArrayList<>(facts.dns());
    List<Facts.EgressFact> egress = new ArrayList<>(facts.egress());
    int cutErrors = 0;
    int cutEgress = 0;
    int cutDns = 0;
    int cutMetadata = 0;
    while (true) {
      List<String> withNote = new ArrayList<>(errors);
      if (cutErrors + cutEgress + cutDns + cutMetadata > 0
          || errors.size() < facts.errors().size()) {
        withNote.add(
            String.format(
                "%s%d bytes: %d errors, %d egress, %d dns, %d metadata results dropped",
                Facts.CUT_PREFIX, LIMIT, cutErrors, cutEgress, cutDns, cutMetadata));
      } else {
        withNote.add(Facts.CUT_PREFIX + LIMIT + " bytes: long texts shortened");
      }
      json =
          FactsJson.write(
              new Facts(
                  facts.v(),
                  shorten(facts.pod()),
                  shorten(facts.node()),
                  facts.started(),
                  facts.elapsedMs(),
                  metadata,
                  dns,
                  egress,
                  withNote));
      if (fits(json)) {
        return json;
      }
      if (!errors.isEmpty()) {
        errors.remove(errors.size() - 1);
        cutErrors++;
      } else if (!egress.isEmpty()) {
        egress.remove(egress.size() - 1);
        cutEgress++;
      } else if (!dns.isEmpty()) {
        dns.remove(dns.size() - 1);
        cutDns++;
      } else if (!metadata.isEmpty()) {
        metadata.remove(metadata.size() - 1);
        cutMetadata++;
      } else {
        throw new IllegalStateException("facts do not fit " + LIMIT + " bytes even when empty");
      }
    }
  }

  private static boolean fits(String json) {
    return json.getBytes(StandardCharsets.UTF_8).length <= LIMIT;
  }

  private static String shorten(String s) {
    return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "...";
  }
}
