package io.imdsprober.probe;

import io.imdsprober.report.Bounds;
import io.imdsprober.util.Texts;
import java.io.PrintStream;
import java.time.Instant;

/**
 * The agent's log: one line per message on stderr, in the prober's text format, without a logging
 * framework (setting one up is a cost every probe pod pays; the agent has three things to say).
 * stdout stays the facts' alone. Debug lines only with {@code IMDS_PROBER_LOG_LEVEL=DEBUG}.
 */
final class AgentLog {

  private static final boolean DEBUG =
      "DEBUG".equalsIgnoreCase(System.getenv("IMDS_PROBER_LOG_LEVEL"));

  private AgentLog() {}

  static void debug(String source, String message) {
    if (DEBUG) {
      line("DEBUG", source, message, null);
    }
  }

  static void warn(String source, String message, Throwable cause) {
    line("WARN ", source, message, cause);
  }

  static void error(String source, String message) {
    line("ERROR", source, message, null);
  }

  private static void line(String level, String source, String message, Throwable cause) {
    PrintStream err = System.err;
    String text = message + (cause == null ? "" : ": " + cause);
    // one line, whatever a peer's words in an exception message carry (the prober reads the
    // agent's log for its facts), bounded as the prober's own log lines are (a constant javac
    // inlines: the report package is not loaded)
    err.println(
        Instant.now() + " " + level + " " + source + " - " + Texts.clean(text, Bounds.LOG_MESSAGE));
  }
}
