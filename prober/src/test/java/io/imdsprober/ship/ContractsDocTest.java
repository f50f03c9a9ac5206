package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.verdict.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * docs/contracts.md is the reference a user's scripts and dashboards are written against: a
 * newcomer's question is whether a name there is the name the prober uses. Each metric of the
 * contract, each alert of the shipped rules, each verdict word and each annotation the prober reads
 * must be in it.
 */
class ContractsDocTest {
  static final Path DOC = Manifests.ROOT.resolve("docs/contracts.md");

  @Test
  @DisplayName(
      "docs/contracts.md names every exported metric, shipped alert, verdict and annotation")
  void everyNameIsThere() throws Exception {
    String doc = Files.readString(DOC);
    Set<String> missing = new TreeSet<>();
    for (String name : Contract.NAMES) {
      String base = name.replaceAll("_(bucket|sum|count)$", "");
      if (!doc.contains("`" + base + "`")) {
        missing.add("metric " + base);
      }
    }
    String rules =
        Files.readString(
            Manifests.MANIFESTS.resolve("components/prometheus-operator/prometheusrule.yaml"));
    Matcher alert = Pattern.compile("- alert: (\\w+)").matcher(rules);
    int alerts = 0;
    while (alert.find()) {
      alerts++;
      if (!doc.contains("`" + alert.group(1) + "`")) {
        missing.add("alert " + alert.group(1));
      }
    }
    assertThat(alerts).isGreaterThan(10);
    for (Verdict v : Verdict.values()) {
      if (!doc.contains("`" + v.word() + "`")) {
        missing.add("verdict " + v.word());
      }
    }
    Set<String> annotations = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Manifests.ROOT.resolve("prober/src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m =
            Pattern.compile("\"(imds-prober\\.io/(?:expect-[a-z]+|skip|probe-labels))\"")
                .matcher(Files.readString(f));
        while (m.find()) {
          annotations.add(m.group(1));
        }
      }
    }
    assertThat(annotations).hasSizeGreaterThanOrEqualTo(5);
    annotations.stream().filter(a -> !doc.contains(a)).forEach(a -> missing.add("annotation " + a));
    assertThat(missing).as("names missing from docs/contracts.md").isEmpty();
  }
}
