package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Namespace;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.verdict.Expectations;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Picks the target namespaces from the ones the label selector listed: include and exclude globs,
 * then each namespace's annotations. Pure.
 */
public final class Targets {
  public static final String SKIP = "imds-prober.io/skip";
  public static final String PROBE_LABELS = "imds-prober.io/probe-labels";

  private Targets() {}

  /** The targets among {@code namespaces}, by name. Terminating namespaces are left out. */
  public static List<Target> select(List<Namespace> namespaces, Config config) {
    List<Pattern> include = patterns(config.get(Keys.NAMESPACE_INCLUDE));
    List<Pattern> exclude = patterns(config.get(Keys.NAMESPACE_EXCLUDE));
    Expectations defaults =
        new Expectations(
            config.get(Keys.EXPECT_METADATA),
            config.get(Keys.EXPECT_DNS),
            config.get(Keys.EXPECT_EGRESS));
    List<Target> out = new ArrayList<>();
    for (Namespace ns : namespaces) {
      String name = ns.getMetadata().getName();
      boolean terminating =
          ns.getMetadata().getDeletionTimestamp() != null
              || ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase());
      if (terminating
          || !include.isEmpty() && !matchesAny(include, name)
          || matchesAny(exclude, name)) {
        continue;
      }
      out.add(target(name, ns.getMetadata().getAnnotations(), defaults));
    }
    out.sort(Comparator.comparing(Target::namespace));
    return out;
  }

  /**
   * Whether a namespace's name is selected by {@code namespaces.include} and {@code
   * namespaces.exclude}, as a sweep selects its targets (the {@code policy} mode leaves the others
   * out: kube-system's node agents are not the tenants' workloads).
   */
  public static boolean nameSelected(String name, Config config) {
    List<Pattern> include = patterns(config.get(Keys.NAMESPACE_INCLUDE));
    return (include.isEmpty() || matchesAny(include, name))
        && !matchesAny(patterns(config.get(Keys.NAMESPACE_EXCLUDE)), name);
  }

  /** Why a sweep stops when nothing was selected: the selection, in the user's words. */
  public static String noneSelected(int listed, Config config) {
    String selector = config.get(Keys.NAMESPACE_SELECTOR);
    return "no target namespace: "
        + listed
        + " namespace(s) listed"
        + (selector.isEmpty() ? "" : " by selector '" + selector + "'")
        + ", none left by namespaces.include "
        + config.get(Keys.NAMESPACE_INCLUDE)
        + " and namespaces.exclude "
        + config.get(Keys.NAMESPACE_EXCLUDE)
        + " (skipped ones count as selected); give --allow-empty (namespaces.allowEmpty) if"
        + " nothing is meant to be probed";
  }

  /** The prober's own annotation prefix; a key under it that is not one of these is a typo. */
  static final String PREFIX = "imds-prober.io/";

  static final List<String> ANNOTATIONS =
      List.of(
          SKIP,
          Expectations.EXPECT_METADATA,
          Expectations.EXPECT_DNS,
          Expectations.EXPECT_EGRESS,
          PROBE_LABELS);

  static Target target(String name, Map<String, String> annotations, Expectations defaults) {
    Map<String, String> a = annotations == null ? Map.of() : annotations;
    String skipValue = a.get(SKIP) == null ? "false" : a.get(SKIP).trim();
    boolean skip = skipValue.equals("true");
    if (!skip && !skipValue.equals("false")) {
      return new Target(
          name,
          defaults,
          Map.of(),
          false,
          "annotation " + SKIP + ": '" + skipValue + "' is not \"true\" or \"false\"");
    }
    for (String key : new java.util.TreeSet<>(a.keySet())) {
      if (key.startsWith(PREFIX) && !ANNOTATIONS.contains(key)) {
        return new Target(
            name,
            defaults,
            Map.of(),
            skip,
            "annotation "
                + key
                + " is not one the prober reads ("
                + String.join(", ", ANNOTATIONS)
                + ")");
      }
    }
    try {
      Expectations expect = defaults.withAnnotations(a);
      Map<String, String> labels = probeLabels(a.get(PROBE_LABELS));
      return new Target(name, expect, labels, skip, null);
    } catch (IllegalArgumentException e) {
      return new Target(name, defaults, Map.of(), skip, e.getMessage());
    }
  }

  /** Parses {@code k=v,k2=v2}; the error names the annotation. */
  static Map<String, String> probeLabels(String text) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return labels;
    }
    for (String part : text.split(",")) {
      int eq = part.indexOf('=');
      if (part.isBlank()) {
        continue;
      }
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "annotation " + PROBE_LABELS + ": '" + part.trim() + "' is not key=value");
      }
      labels.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
    }
    try {
      return Keys.labels(labels);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("annotation " + PROBE_LABELS + ": " + e.getMessage(), e);
    }
  }

  /** A glob with {@code *} and {@code ?} as a whole-name pattern. */
  static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  private static List<Pattern> patterns(List<String> globs) {
    return globs.stream().map(Targets::glob).toList();
  }

  private static boolean matchesAny(List<Pattern> patterns, String name) {
    return patterns.stream().anyMatch(p -> p.matcher(name).matches());
  }
}
