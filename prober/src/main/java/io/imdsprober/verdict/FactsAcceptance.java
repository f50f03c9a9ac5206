package io.imdsprober.verdict;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.util.Texts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether well-formed facts may be judged at all (DESIGN.md "Trust"): they name the pod they came
 * from, the agent did not cut them to fit, and they answer exactly the metadata targets the prober
 * planned for that probe, each once. Facts naming {@code 10.0.0.1:1 timeout} alone must not pass
 * for a blocked metadata service. Pure.
 */
public final class FactsAcceptance {
  /** A connect that timed out took at least this share of the connect timeout (timers' grain). */
  private static final long TIMEOUT_FLOOR_PERCENT = 90;

  private FactsAcceptance() {}

  /**
   * Null when the facts may be judged; otherwise why not ({@code tampered} or {@code
   * incomplete-result}), naming what is wrong.
   *
   * @param facts the agent's facts, already checked against the contract's fields
   * @param planned the {@code host:port} of every target the probe was told to try
   * @param podName the pod the result was read from
   */
  public static Failure check(Facts facts, List<String> planned, String podName) {
    return check(facts, planned, podName, null);
  }

  /**
   * The same, and every {@code timeout} took the connect timeout the probe was given: a connect
   * that "timed out" sooner was not made with the planned settings (a second agent run by a tenant
   * with a 1 ms timeout, writing the termination message file), so the facts are not judged.
   *
   * @param connectTimeout the probe's connect timeout ({@code IMDS_PROBE_CONNECT_TIMEOUT}), or null
   *     not to check
   */
  public static Failure check(
      Facts facts, List<String> planned, String podName, Duration connectTimeout) {
    Failure f = checkTargets(facts, planned, podName);
    if (f != null || connectTimeout == null) {
      return f;
    }
    long floor = connectTimeout.toMillis() * TIMEOUT_FLOOR_PERCENT / 100;
    for (MetadataFact m : facts.metadata()) {
      if (m.tcp() == TcpResult.TIMEOUT && (m.connectMs() == null || m.connectMs() < floor)) {
        // the agent always times its connects: a timeout without a duration is not its word
        return new Failure(
            Failure.TAMPERED,
            m.target()
                + " timed out after "
                + (m.connectMs() == null ? "an unstated time" : m.connectMs() + " ms")
                + ", but the probe's connect timeout is "
                + connectTimeout.toMillis()
                + " ms: these facts are not from the planned run");
      }
    }
    return null;
  }

  private static Failure checkTargets(Facts facts, List<String> planned, String podName) {
    if (facts.pod() == null || !facts.pod().equals(podName)) {
      return new Failure(
          Failure.TAMPERED,
          "the facts name pod '"
              + Texts.abbreviate(facts.pod(), 80)
              + "', but were read from pod '"
              + podName
              + "'");
    }
    for (String e : facts.errors()) {
      if (e != null && e.startsWith(Facts.CUT_PREFIX)) {
        return new Failure(
            Failure.INCOMPLETE_RESULT, "the agent cut its facts: " + Texts.abbreviate(e, 200));
      }
    }
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (MetadataFact m : facts.metadata()) {
      seen.merge(m.target(), 1, Integer::sum);
    }
    Set<String> want = new LinkedHashSet<>(planned);
    List<String> problems = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String t : want) {
      if (!seen.containsKey(t)) {
        missing.add(t);
      }
    }
    List<String> extra = new ArrayList<>();
    List<String> twice = new ArrayList<>();
    seen.forEach(
        (t, n) -> {
          if (!want.contains(t)) {
            extra.add(Texts.abbreviate(t, 60));
          } else if (n > 1) {
            twice.add(t + " (" + n + " times)");
          }
        });
    if (!missing.isEmpty()) {
      problems.add("no answer for planned target(s) " + String.join(", ", missing));
    }
    if (!extra.isEmpty()) {
      problems.add("target(s) not planned " + String.join(", ", cap(extra)));
    }
    if (!twice.isEmpty()) {
      problems.add("target(s) answered more than once " + String.join(", ", cap(twice)));
    }
    return problems.isEmpty()
        ? null
        : new Failure(Failure.INCOMPLETE_RESULT, "metadata facts: " + String.join("; ", problems));
  }

  /** At most 5 names, then how many more: a hostile document may list thousands. */
  private static List<String> cap(List<String> names) {
    if (names.size() <= 5) {
      return names;
    }
    List<String> out = new ArrayList<>(names.subList(0, 5));
    out.add("and " + (names.size() - 5) + " more");
    return out;
  }
}
