package io.imdsprober.report;

import io.imdsprober.facts.FactsJson;
import io.imdsprober.policy.Comparison;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import java.io.StringWriter;
import java.util.Locale;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;

/**
 * {@code --output json}: one object as DESIGN.md "Reports" gives it. {@code reason} is the error
 * class or the deciding fact; {@code detail} what the API server, the pod or the agent said about
 * an error (empty otherwise); {@code asExpected} whether every check met its expectation; {@code
 * expect} the expectations in force (config defaults and the namespace's annotations); {@code
 * facts} is the agent's JSON, or null. Every string is cleaned and bounded ({@link Bounds}): the
 * keys and shapes are the contract's, only untrusted values change.
 */
public final class JsonReport {
  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonReport() {}

  public static String render(SweepResult result) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringProperty("sweep", Bounds.name(result.id()));
      g.writeStringProperty("started", result.started().toString());
      g.writeNumberProperty("durationMs", result.durationMs());
      g.writeArrayPropertyStart("namespaces");
      for (NamespaceResult r : result.namespaces()) {
        g.writeStartObject();
        g.writeStringProperty("namespace", Bounds.name(r.namespace()));
        g.writeStringProperty("verdict", r.judgement().verdict().word());
        g.writeStringProperty("reason", Bounds.text(r.judgement().reason()));
        g.writeStringProperty("detail", Bounds.text(r.detail()));
        g.writeBooleanProperty("asExpected", r.judgement().asExpected());
        g.writeName("expect");
        if (r.expectations() == null) {
          g.writeNull();
        } else {
          g.writeStartObject();
          g.writeStringProperty("metadata", r.expectations().metadata().word());
          g.writeStringProperty("dns", r.expectations().dns().word());
          g.writeStringProperty("egress", r.expectations().egress().word());
          g.writeEndObject();
        }
        g.writeName("policy");
        if (r.policy() == null) {
          g.writeNull();
        } else {
          Comparison c = r.policy();
          g.writeStartObject();
          g.writeStringProperty("probe", c.probeAllowed().name().toLowerCase(Locale.ROOT));
          g.writeArrayPropertyStart("mayReach");
          for (String w : c.mayReach()) {
            g.writeString(Bounds.text(w));
          }
          g.writeEndArray();
          g.writeArrayPropertyStart("drift");
          for (Comparison.Drift d : new java.util.TreeSet<>(c.drift())) {
            g.writeString(d.word());
          }
          g.writeEndArray();
          g.writeArrayPropertyStart("probeTargeted");
          for (String p : c.probeTargeted()) {
            g.writeString(Bounds.name(p));
          }
          g.writeEndArray();
          g.writeArrayPropertyStart("unknownKinds");
          for (String k : c.unknownKinds()) {
            g.writeString(Bounds.name(k));
          }
          g.writeEndArray();
          PolicyJson.writeDetail(g, c);
          g.writeEndObject();
        }
        g.writeStringProperty("pool", Bounds.name(r.pool()));
        g.writeName("facts");
        if (r.facts() == null) {
          g.writeNull();
        } else {
          g.writeRawValue(FactsJson.write(CleanFacts.of(r.facts())));
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toString();
  }
}
