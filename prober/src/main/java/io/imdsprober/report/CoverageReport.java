package io.imdsprober.report;

import io.imdsprober.policy.Coverage;
import io.imdsprober.policy.Coverage.Reach;
import io.imdsprober.policy.Coverage.Row;
import io.imdsprober.policy.EgressPolicies.Outcome;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;

/**
 * The {@code policy} mode's reports. JSON (DESIGN.md "Policy coverage"): {@code
 * {"workloads":[{"namespace","name","kind","isolated","destinations":[{"to","allowed","by"}]}],
 * "invalid":[{"policy","problem"}]}}; {@code allowed} is null where an invalid policy selects the
 * workload and no valid one allows it.
 */
public final class CoverageReport {
  private static final JsonFactory FACTORY = new JsonFactory();

  private CoverageReport() {}

  public static String json(Coverage c) {
    return json(c, 0);
  }

  /**
   * The JSON, with {@code skipped}: how many files or documents of a scanned directory were not
   * Kubernetes objects (each named on stderr).
   */
  public static String json(Coverage c, int skipped) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeArrayPropertyStart("workloads");
      for (Row r : c.workloads()) {
        g.writeStartObject();
        g.writeStringProperty("namespace", Bounds.name(r.workload().namespace()));
        g.writeStringProperty("name", Bounds.name(r.workload().name()));
        g.writeStringProperty("kind", Bounds.name(r.workload().kind()));
        g.writeBooleanProperty("isolated", r.isolated());
        // one row per label set of a workload: its labels say which pods it stands for
        g.writeObjectPropertyStart("labels");
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (Map.Entry<String, String> e :
            new java.util.TreeMap<>(r.workload().labels()).entrySet()) {
          // offline manifests are unvalidated: two keys may clean to one
          if (keys.add(Bounds.name(e.getKey()))) {
            g.writeStringProperty(Bounds.name(e.getKey()), Bounds.name(e.getValue()));
          }
        }
        g.writeEndObject();
        g.writeBooleanProperty("hostNetwork", r.workload().hostNetwork());
        g.writeArrayPropertyStart("destinations");
        for (Reach reach : r.reach()) {
          g.writeStartObject();
          g.writeStringProperty("to", reach.to().word());
          g.writeName("allowed");
          Outcome o = reach.decision().outcome();
          if (o == Outcome.UNKNOWN) {
            g.writeNull();
          } else {
            g.writeBoolean(o == Outcome.ALLOWED);
          }
          g.writeArrayPropertyStart("by");
          for (String by : reach.decision().by()) {
            g.writeString(Bounds.text(by));
          }
          g.writeEndArray();
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayPropertyStart("invalid");
      for (Map.Entry<String, String> e : c.invalid().entrySet()) {
        g.writeStartObject();
        g.writeStringProperty("policy", Bounds.name(e.getKey()));
        g.writeStringProperty("problem", Bounds.text(e.getValue()));
        g.writeEndObject();
      }
      g.writeEndArray();
      if (!c.undecided().isEmpty()) {
        // what the precedence chain could not decide (object, rule, field): absent when nothing
        g.writeArrayPropertyStart("undecided");
        for (String u : c.undecided()) {
          g.writeString(Bounds.text(u));
        }
        g.writeEndArray();
      }
      g.writeNumberProperty("skipped", skipped);
      g.writeEndObject();
    }
    return out + "\n";
  }

  /** One row per workload: what it may reach by policy, and which policy allows it. */
  public static String table(Coverage c) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAMESPACE", "WORKLOAD", "ISOLATED", "MAY REACH", "BY"});
    Map<String, Integer> sets = new java.util.HashMap<>();
    c.workloads().forEach(r -> sets.merge(r.workload().key(), 1, Integer::sum));
    for (Row r : c.workloads()) {
      List<String> reach = new ArrayList<>();
      List<String> by = new ArrayList<>();
      for (Reach x : r.reach()) {
        if (x.decision().outcome() == Outcome.ALLOWED) {
          reach.add(x.to().word());
          x.decision().by().stream().filter(b -> !by.contains(b)).forEach(by::add);
        } else if (x.decision().outcome() == Outcome.UNKNOWN) {
          reach.add(x.to().word() + "?");
        }
      }
      rows.add(
          new String[] {
            r.workload().namespace(),
            r.workload().kind()
                + "/"
                + r.workload().name()
                + (sets.get(r.workload().key()) > 1
                    ? " " + new java.util.TreeMap<>(r.workload().labels())
                    : ""),
            r.isolated() ? "yes" : "no",
            reach.isEmpty() ? "-" : String.join(", ", reach),
            r.workload().hostNetwork()
                ? "(" + Coverage.HOST_NETWORK_BY + ")"
                : by.isEmpty()
                    ? (r.isolated() || reach.isEmpty() ? "-" : "(no egress policy)")
                    : String.join(", ", by)
          });
    }
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = Bounds.text(row[i]);
      }
    }
    int[] width = new int[5];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        sb.append(
            i == row.length - 1 ? row[i] : String.format("%-" + (width[i] + 2) + "s", row[i]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
