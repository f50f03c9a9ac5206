package io.imdsprober.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is the key table: same keys, same variables. */
class ReadmeKeysTest {
  private static final Pattern ROW =
      Pattern.compile("^\\| `([a-zA-Z.]+)` \\| `(IMDS_PROBER_[A-Z_]+)` \\|");

  @Test
  @DisplayName("every configuration key is in the README's reference table, and nothing else")
  void readmeListsEveryKey() throws Exception {
    Path readme = Path.of("..", "README.md");
    List<String> rows = new ArrayList<>();
    for (String line : Files.readAllLines(readme)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        rows.add(m.group(1) + " " + m.group(2));
      }
    }
    assertThat(rows)
        .containsExactlyElementsOf(
            Keys.ALL.stream().map(k -> k.name() + " " + k.envName()).toList());
  }
}
