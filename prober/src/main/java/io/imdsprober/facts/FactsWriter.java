package io.imdsprober.facts;

import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import java.io.StringWriter;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;

/**
 * Writes facts with Jackson's streaming generator rather than databind: the agent runs in a small
 * pod where loading databind's ~500 classes costs start-up time and resident memory. The field
 * order is the contract's; {@link FactsJson#read} reads it back with databind.
 */
final class FactsWriter {
  private static final JsonFactory FACTORY = new JsonFactory();

  private FactsWriter() {}

  static String write(Facts f) {
    StringWriter out = new StringWriter(1024);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", f.v());
      string(g, "pod", f.pod());
      string(g, "node", f.node());
      string(g, "started", f.started());
      g.writeNumberProperty("elapsedMs", f.elapsedMs());
      g.writeArrayPropertyStart("metadata");
      for (MetadataFact m : f.metadata()) {
        g.writeStartObject();
        g.writeStringProperty("target", m.target());
        word(g, "profile", m.profile());
        word(g, "mode", m.mode());
        word(g, "tcp", m.tcp());
        number(g, "connectMs", m.connectMs());
        number(g, "http", m.http());
        word(g, "fingerprint", m.fingerprint());
        word(g, "token", m.token());
        g.writeNumberProperty("attempts", m.attempts());
        number(g, "openedThenBlockedMs", m.openedThenBlockedMs());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayPropertyStart("dns");
      for (DnsFact d : f.dns()) {
        g.writeStartObject();
        g.writeStringProperty("name", d.name());
        string(g, "server", d.server());
        string(g, "proto", d.proto());
        word(g, "result", d.result());
        g.writeNumberProperty("ms", d.ms());
        g.writeNumberProperty("answers", d.answers());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayPropertyStart("egress");
      for (EgressFact e : f.egress()) {
        g.writeStartObject();
        g.writeStringProperty("url", e.url());
        word(g, "result", e.result());
        number(g, "http", e.http());
        g.writeNumberProperty("ms", e.ms());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayPropertyStart("errors");
      for (String e : f.errors()) {
        g.writeString(e);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toString();
  }

  private static void string(JsonGenerator g, String name, String value) {
    if (value == null) {
      g.writeNullProperty(name);
    } else {
      g.writeStringProperty(name, value);
    }
  }

  private static void word(JsonGenerator g, String name, FactWord value) {
    string(g, name, value == null ? null : value.word());
  }

  private static void number(JsonGenerator g, String name, Number value) {
    if (value == null) {
      g.writeNullProperty(name);
    } else {
      g.writeNumberProperty(name, value.longValue());
    }
  }
}
