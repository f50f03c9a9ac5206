package io.imdsprober.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration reference is the key table: same keys, variables, defaults and
 * descriptions. When a key changes, the failure prints the rows to paste.
 */
class ReadmeKeysTest {
  /** The README row of a key. */
  static String row(Key<?> k) {
    Object d = k.defaultValue();
    String def;
    if (d instanceof List<?> l) {
      def = l.isEmpty() ? "none" : String.join(", ", l.stream().map(x -> "`" + x + "`").toList());
    } else if (d instanceof Map<?, ?> m) {
      List<String> parts = new ArrayList<>();
      new TreeMap<>(m).forEach((x, y) -> parts.add("`" + x + "=" + y + "`"));
      def = m.isEmpty() ? "none" : String.join(", ", parts);
    } else {
      def = String.valueOf(d).isEmpty() ? "none" : "`" + d + "`";
    }
    return "| `"
        + k.name()
        + "` | `"
        + k.envName()
        + "` | "
        + def
        + " | "
        + k.description().replace("|", "\\|")
        + " |";
  }

  @Test
  @DisplayName("every configuration key is in the README's reference table as the code has it")
  void readmeListsEveryKey() throws Exception {
    List<String> rows =
        Files.readAllLines(Path.of("..", "README.md")).stream()
            .filter(line -> line.matches("^\\| `[a-zA-Z.]+` \\| `IMDS_PROBER_[A-Z_]+` \\|.*"))
            .toList();
    List<String> expected = Keys.ALL.stream().map(ReadmeKeysTest::row).toList();
    assertThat(rows)
        .as("README configuration rows; expected:%n%s", String.join("\n", expected))
        .containsExactlyElementsOf(expected);
  }
}
