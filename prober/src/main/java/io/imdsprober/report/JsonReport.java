package io.imdsprober.report;

import io.imdsprober.compliance.Reference;
import io.imdsprober.compliance.References;
import io.imdsprober.facts.FactsJson;
import io.imdsprober.policy.Comparison;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;

/**
 * {@code --output json}: one object as DESIGN.md "Reports" gives it. {@code reason} is the error
 * class or the deciding fact; {@code detail} what the API server, the pod or the agent said about
 * an error (empty otherwise); {@code asExpected} whether every check met its expectation; {@code
 * expect} the expectations in force (config defaults and the namespace's annotations); {@code
 * facts} is the agent's JSON, or null; {@code findings} the namespace's finding kinds, each a key
 * of the top-level {@code references} (the frameworks auditors use, {@link References}). Every
 * string is cleaned and bounded ({@link Bounds}): the keys and shapes are the contract's, only
 * untrusted values change.
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
      writeReferences(g);
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
        g.writeArrayPropertyStart("findings");
        for (String kind : findings(r)) {
          g.writeString(kind);
        }
        g.writeEndArray();
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

  /**
   * The namespace's finding kinds (keys of the report's {@code references}): its verdict when it is
   * one, and the policy drift that pages.
   */
  static List<String> findings(NamespaceResult r) {
    List<String> out = new ArrayList<>();
    String verdict = r.judgement().verdict().word();
    if (References.of(verdict).isPresent() && !Boolean.TRUE.equals(r.judgement().metadataOk())) {
      out.add(verdict);
    }
    if (r.policy() != null) {
      for (Comparison.Drift d : new java.util.TreeSet<>(r.policy().drift())) {
        if (References.of(d.word()).isPresent()) {
          out.add(d.word());
        }
      }
    }
    return out;
  }

  /** {@code references}: per finding kind, the entries of the frameworks auditors use. */
  private static void writeReferences(JsonGenerator g) {
    g.writeObjectPropertyStart("references");
    for (Map.Entry<String, List<Reference>> e : References.BY_FINDING.entrySet()) {
      g.writeArrayPropertyStart(e.getKey());
      for (Reference ref : e.getValue()) {
        g.writeStartObject();
        g.writeStringProperty("framework", ref.framework());
        g.writeStringProperty("id", ref.id());
        g.writeStringProperty("title", ref.title());
        g.writeStringProperty("url", ref.url());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }
}
