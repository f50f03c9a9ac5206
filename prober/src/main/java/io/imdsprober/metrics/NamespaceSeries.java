package io.imdsprober.metrics;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Judgement;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * What one namespace's series say, taken from its latest result when it is published: the values,
 * not the result (its facts, detail and policy evidence would cost thousands of namespaces several
 * KiB each between scrapes).
 *
 * @param namespace the namespace
 * @param verdict its verdict
 * @param expectReachable whether it opts out by {@code expect-reachable}
 * @param mayReach workloads that may reach a metadata target by policy, or -1 without a prediction
 * @param drift the drift kinds between prediction and probe
 * @param targets per metadata target, whether its TCP connect succeeded (empty without facts)
 * @param checks per check (metadata, dns, egress) whether it met the expectation, null when unknown
 * @param seconds per check the longest time its facts took, null without facts
 * @param delaySeconds the longest open-then-blocked delay, or 0
 */
record NamespaceSeries(
    String namespace,
    Verdict verdict,
    boolean expectReachable,
    int mayReach,
    List<String> drift,
    List<Target> targets,
    Boolean[] checks,
    double[] seconds,
    double delaySeconds) {

  /** The checks, in the order of {@link #checks} and {@link #seconds}. */
  static final List<String> CHECKS = List.of("metadata", "dns", "egress");

  /** A metadata target and whether its connect succeeded. */
  record Target(String target, boolean connected) {}

  static NamespaceSeries of(NamespaceResult r) {
    Judgement j = r.judgement();
    boolean expectReachable =
        r.expectations() != null && r.expectations().metadata() == Expectations.Metadata.REACHABLE;
    int mayReach = r.policy() == null ? -1 : r.policy().mayReach().size();
    List<String> drift = new ArrayList<>();
    if (r.policy() != null) {
      r.policy().drift().forEach(d -> drift.add(d.word()));
    }
    Facts f = r.facts();
    List<Target> targets = new ArrayList<>();
    Boolean[] checks = new Boolean[CHECKS.size()];
    double[] seconds = null;
    long opened = 0;
    if (f != null) {
      Set<String> seen = new HashSet<>();
      for (MetadataFact m : f.metadata()) {
        // a target once (two series with one label set would fail the whole scrape); the same
        // few target names in every namespace: one copy of each
        if (seen.add(m.target())) {
          targets.add(new Target(m.target().intern(), m.tcp() == TcpResult.CONNECTED));
        }
        opened = Math.max(opened, orZero(m.openedThenBlockedMs()));
      }
      checks = new Boolean[] {j.metadataOk(), j.dnsOk(), j.egressOk()};
      seconds =
          new double[] {
            longest(f.metadata(), m -> orZero(m.connectMs())),
            longest(f.dns(), DnsFact::ms),
            longest(f.egress(), EgressFact::ms)
          };
    }
    return new NamespaceSeries(
        r.namespace(),
        j.verdict(),
        expectReachable,
        mayReach,
        List.copyOf(drift),
        List.copyOf(targets),
        checks,
        seconds,
        opened / 1000.0);
  }

  /** Whether the result carried facts (the check series exist only then). */
  boolean hasFacts() {
    return seconds != null;
  }

  private static <T> double longest(List<T> facts, ToLongFunction<T> millis) {
    long max = 0;
    for (T t : facts) {
      max = Math.max(max, millis.applyAsLong(t));
    }
    return max / 1000.0;
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
