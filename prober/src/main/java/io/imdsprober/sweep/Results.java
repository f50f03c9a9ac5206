package io.imdsprober.sweep;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.FactsJson;
import io.imdsprober.facts.MalformedFactsException;
import io.imdsprober.util.Texts;
import java.nio.charset.StandardCharsets;

/** Finds the facts JSON in a termination message or a log tail. Pure. */
public final class Results {
  /** The kubelet's termination message limit, and the agent's own cap. */
  public static final int MAX_BYTES = 4096;

  private Results() {}

  /**
   * The facts in {@code text}: the whole text, or else its last line that is a JSON object (a log
   * tail has the agent's log lines before it).
   *
   * @throws MalformedFactsException naming what is wrong
   */
  public static Facts read(String text) {
    if (text == null || text.isBlank()) {
      throw new MalformedFactsException("the probe left no result");
    }
    String trimmed = text.strip();
    String json = trimmed;
    if (!trimmed.startsWith("{") || !trimmed.endsWith("}") || trimmed.contains("\n")) {
      json = lastObjectLine(trimmed);
      if (json == null) {
        throw new MalformedFactsException(
            "the probe result holds no JSON object: " + abbreviate(trimmed));
      }
    }
    int bytes = json.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      throw new MalformedFactsException(
          "the probe result is " + bytes + " bytes, over the " + MAX_BYTES + "-byte limit");
    }
    return FactsJson.read(json);
  }

  private static String lastObjectLine(String text) {
    String[] lines = text.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      String line = lines[i].strip();
      if (line.startsWith("{")) {
        return line;
      }
    }
    return null;
  }

  /** The first 200 characters, on one line: enough to name the problem in a log. */
  public static String abbreviate(String text) {
    return Texts.abbreviate(text, 200);
  }
}
