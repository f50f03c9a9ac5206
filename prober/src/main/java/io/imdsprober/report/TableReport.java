package io.imdsprober.report;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.util.Texts;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * The default report: one row per namespace, then a count per verdict. Every cell is one line,
 * cleaned and bounded ({@link Bounds}): a tenant's string cannot add a row or move the terminal.
 * The table fits {@link #WIDTH} columns: the REASON and METADATA columns, the wider first, are cut
 * with an ellipsis to fit, never a namespace or a verdict; {@code --wide} (or the JSON) gives the
 * whole cells.
 */
public final class TableReport {
  private static final String[] HEADER = {
    "NAMESPACE", "VERDICT", "METADATA", "DNS", "EGRESS", "REASON"
  };

  /** The width the table fits, in characters: a terminal's or a CI log's. */
  public static final int WIDTH = 120;

  /** The least a cut column keeps, so that a cut reason still names its kind. */
  static final int MIN_CUT = 24;

  /** The separator between columns. */
  private static final int GAP = 2;

  private static final int METADATA = 2;
  private static final int REASON = 5;

  private TableReport() {}

  /** The table, fitted to {@link #WIDTH} columns. */
  public static String render(SweepResult result) {
    return render(result, false);
  }

  /**
   * @param wide whole reasons (each still one line, bounded by {@link Bounds#DETAIL}), whatever the
   *     width
   */
  public static String render(SweepResult result, boolean wide) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (NamespaceResult r : result.namespaces()) {
      Facts f = CleanFacts.of(r.facts());
      String reason = r.judgement().reason();
      if (!r.detail().isEmpty()) {
        reason = reason + ": " + r.detail();
      }
      Verdict v = r.judgement().verdict();
      if ((v == Verdict.EXPOSED || v == Verdict.REACHABLE) && r.judgement().asExpected()) {
        reason = reason + " (as expected by annotation)";
      }
      rows.add(
          new String[] {
            Bounds.name(r.namespace()),
            r.judgement().verdict().word(),
            f == null ? "-" : metadata(f.metadata()),
            f == null ? "-" : dns(f.dns()),
            f == null ? "-" : egress(f.egress()),
            wide ? Bounds.text(reason) : Texts.abbreviate(reason, Integer.MAX_VALUE)
          });
    }
    int[] widths = widths(rows);
    if (!wide) {
      fit(rows, widths);
    }
    StringBuilder sb = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        sb.append(i == row.length - 1 ? row[i] : pad(row[i], widths[i] + GAP));
      }
      sb.append('\n');
    }
    sb.append('\n').append("sweep ").append(Bounds.name(result.id())).append(" in ");
    sb.append(result.durationMs()).append(" ms:");
    result.counts().forEach((v, n) -> sb.append(' ').append(v.word()).append('=').append(n));
    sb.append('\n');
    return sb.toString();
  }

  private static int[] widths(List<String[]> rows) {
    int[] widths = new int[HEADER.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    return widths;
  }

  /**
   * Cuts the REASON and METADATA columns so that the table fits {@link #WIDTH}: the wider of the
   * two loses a character at a time, neither below {@link #MIN_CUT}.
   */
  private static void fit(List<String[]> rows, int[] widths) {
    int total = GAP * (widths.length - 1);
    for (int w : widths) {
      total += w;
    }
    int[] room = {widths[METADATA], widths[REASON]};
    while (total > WIDTH && Math.max(room[0], room[1]) > MIN_CUT) {
      room[room[0] >= room[1] ? 0 : 1]--;
      total--;
    }
    cut(rows, widths, METADATA, room[0]);
    cut(rows, widths, REASON, room[1]);
  }

  private static void cut(List<String[]> rows, int[] widths, int col, int room) {
    if (room >= widths[col]) {
      return;
    }
    for (String[] row : rows) {
      if (row[col].length() > room) {
        row[col] = Texts.abbreviate(row[col], room - 1);
      }
    }
    widths[col] = room;
  }

  private static String metadata(List<MetadataFact> facts) {
    List<String> parts = new ArrayList<>();
    for (MetadataFact m : facts) {
      StringBuilder p = new StringBuilder(m.target()).append(' ').append(m.tcp().word());
      if (m.http() != null) {
        p.append(" http ").append(m.http());
      }
      if (m.token() != null && m.token().word().equals("obtained")) {
        p.append(" token");
      }
      parts.add(p.toString());
    }
    return parts.isEmpty() ? "-" : String.join(", ", parts);
  }

  private static String dns(List<DnsFact> facts) {
    return facts.isEmpty()
        ? "-"
        : String.join(",", facts.stream().map(d -> d.result().word()).toList());
  }

  private static String egress(List<EgressFact> facts) {
    List<String> parts = new ArrayList<>();
    for (EgressFact e : facts) {
      parts.add(e.result().word() + (e.http() == null ? "" : " " + e.http()));
    }
    return parts.isEmpty() ? "-" : String.join(",", parts);
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(0, width - text.length()));
  }
}
