package io.imdsprober.sweep;

import io.imdsprober.verdict.Expectations;
import java.util.Map;
import java.util.Objects;

/**
 * A namespace the sweep looks at.
 *
 * @param namespace its name
 * @param expectations config defaults overridden by its annotations
 * @param probeLabels extra probe pod labels from its {@code imds-prober.io/probe-labels}
 * @param skip whether it opted out with {@code imds-prober.io/skip: "true"}
 * @param invalid why its annotations cannot be used, or null
 */
public record Target(
    String namespace,
    Expectations expectations,
    Map<String, String> probeLabels,
    boolean skip,
    String invalid) {
  public Target {
    Objects.requireNonNull(namespace, "namespace");
    probeLabels = Map.copyOf(Objects.requireNonNullElse(probeLabels, Map.of()));
  }

  /** Whether a probe Job is due: not skipped and its annotations are usable. */
  public boolean probed() {
    return !skip && invalid == null;
  }
}
