package io.imdsprober.report;

import io.imdsprober.policy.Comparison;
import io.imdsprober.policy.WorkloadReach;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JsonGenerator;

/**
 * The detail of a namespace's {@code policy} in the JSON report, beside the keys of DESIGN.md
 * ({@code probe}, {@code mayReach}, {@code drift}, {@code probeTargeted}, {@code unknownKinds}):
 * {@code targets}, each metadata destination with the probe's prediction and observation; {@code
 * workloads}, each workload that may reach one, by owner with every label set its pods carry; and
 * {@code invalid}, the policies the evaluator cannot read ({@code ns/name: why}); and {@code
 * undecided}, why the namespace's policies were not read at all (a weight cap, named), which makes
 * the prediction {@code incomplete}.
 */
final class PolicyJson {
  private PolicyJson() {}

  static void writeDetail(JsonGenerator g, Comparison c) {
    g.writeArrayPropertyStart("targets");
    for (Comparison.Target t : c.targets()) {
      g.writeStartObject();
      g.writeStringProperty("to", t.to().word());
      g.writeStringProperty("probe", t.probe().name().toLowerCase(Locale.ROOT));
      g.writeStringProperty("observed", t.observed().word());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayPropertyStart("workloads");
    for (WorkloadReach w : c.workloads()) {
      g.writeStartObject();
      g.writeStringProperty("kind", Bounds.name(w.kind()));
      g.writeStringProperty("name", Bounds.name(w.name()));
      g.writeArrayPropertyStart("labelSets");
      for (WorkloadReach.LabelSet s : w.labelSets()) {
        g.writeStartObject();
        g.writeObjectPropertyStart("labels");
        Set<String> keys = new HashSet<>();
        for (Map.Entry<String, String> e : s.labels().entrySet()) {
          // two keys that differ only in what cleaning replaces would be one key twice
          String key = Bounds.name(e.getKey());
          if (keys.add(key)) {
            g.writeStringProperty(key, Bounds.name(e.getValue()));
          }
        }
        g.writeEndObject();
        g.writeBooleanProperty("hostNetwork", s.hostNetwork());
        strings(g, "mayReach", s.mayReach());
        strings(g, "by", s.by());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
    strings(g, "invalid", c.invalid());
    strings(g, "undecided", c.undecided());
  }

  private static void strings(JsonGenerator g, String name, List<String> values) {
    g.writeArrayPropertyStart(name);
    for (String v : values) {
      g.writeString(Bounds.text(v));
    }
    g.writeEndArray();
  }
}
