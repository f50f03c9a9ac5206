package io.imdsprober.sweep;

import io.imdsprober.verdict.Verdict;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A finished sweep: what reporters, metrics and events read.
 *
 * @param id the sweep id (the {@code imds-prober.io/sweep} label value)
 * @param started when it started
 * @param durationMs how long it took
 * @param namespaces one result per target namespace, by name
 * @param fatal why no namespace could be probed at all, or null
 */
public record SweepResult(
    String id, Instant started, long durationMs, List<NamespaceResult> namespaces, String fatal) {
  /** Exit code: every namespace as expected. */
  public static final int EXIT_OK = 0;

  /** Exit code: a namespace is exposed or reachable, and does not expect to be. */
  public static final int EXIT_EXPOSED = 1;

  /** Exit code: a namespace could not be judged (error, degraded) and none is exposed. */
  public static final int EXIT_UNJUDGED = 2;

  /** Exit code: configuration or connection error before any namespace was probed. */
  public static final int EXIT_CONFIG = 3;

  public SweepResult {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(started, "started");
    namespaces = List.copyOf(namespaces);
  }

  /** The exit code of {@code sweep --once} for this result. */
  public int exitCode() {
    if (fatal != null) {
      return EXIT_CONFIG;
    }
    boolean unjudged = false;
    for (NamespaceResult r : namespaces) {
      if (r.judgement().asExpected()) {
        continue;
      }
      Verdict v = r.judgement().verdict();
      if (v == Verdict.EXPOSED || v == Verdict.REACHABLE) {
        return EXIT_EXPOSED;
      }
      unjudged = true;
    }
    return unjudged ? EXIT_UNJUDGED : EXIT_OK;
  }

  /** How many namespaces have each verdict (every verdict present, zero or more). */
  public Map<Verdict, Integer> counts() {
    Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
    for (Verdict v : Verdict.values()) {
      counts.put(v, 0);
    }
    namespaces.forEach(r -> counts.merge(r.judgement().verdict(), 1, Integer::sum));
    return counts;
  }
}
