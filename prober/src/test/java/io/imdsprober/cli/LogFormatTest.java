package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogFormatTest {
  @AfterEach
  void back() {
    LogConfigurator.useFormat("text");
  }

  static String logged(String format, String message) {
    PrintStream err = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      LogConfigurator.useFormat(format);
      LoggerFactory.getLogger("io.imdsprober.sweep.Sweeper").info("sweep {} done", message);
    } finally {
      System.setErr(err);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("--log-format json writes one JSON object per line; text is the default")
  void formats() {
    String json = logged("json", "s1").strip();
    @SuppressWarnings("unchecked")
    Map<String, Object> line = new KubernetesSerialization().unmarshal(json, Map.class);
    assertThat(line)
        .containsEntry("level", "INFO")
        .containsEntry("formattedMessage", "sweep s1 done")
        .containsEntry("loggerName", "io.imdsprober.sweep.Sweeper");
    assertThat(logged("text", "s2")).contains(" INFO  Sweeper - sweep s2 done");
  }

  @Test
  @DisplayName("an unknown --log-format is a usage error")
  void badFormat() {
    Cli.Result r = Cli.run("sweep", "--once", "--log-format", "xml");
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains("--log-format").contains("'xml' is not text|json");
  }

  @Test
  @DisplayName(
      "a message quoting a tenant's line feeds, controls and lone surrogates stays one bounded line")
  void hostileMessage() {
    String hostile =
        "x\n2026-11-26T10:00:00Z ERROR Sweeper - forged\r\u0000\u001b[2J\ud800"
            + "A".repeat(20_000);
    String text = logged("text", hostile);
    assertThat(text.lines()).hasSize(1);
    assertThat(text.strip()).doesNotContain("\u0000", "\u001b", "\r").endsWith("…");
    assertThat(text.getBytes(StandardCharsets.UTF_8).length)
        .isLessThan(io.imdsprober.report.Bounds.LOG_MESSAGE + 200);
    String json = logged("json", hostile);
    assertThat(json.strip().lines()).hasSize(1);
    @SuppressWarnings("unchecked")
    Map<String, Object> line = new KubernetesSerialization().unmarshal(json.strip(), Map.class);
    String message = (String) line.get("formattedMessage");
    assertThat(message).startsWith("sweep x 2026-11-26T10:00:00Z ERROR").doesNotContain("\u0000");
    assertThat(message.chars().noneMatch(c -> Character.isSurrogate((char) c) || c < 0x20))
        .isTrue();
    assertThat(message.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(io.imdsprober.report.Bounds.LOG_MESSAGE);
  }

  static String loggedWith(String logger, Throwable thrown) {
    PrintStream err = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      LogConfigurator.useFormat("text");
      LoggerFactory.getLogger(logger).warn("attempt failed", thrown);
    } finally {
      System.setErr(err);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName(
      "a lost API server: the client library's retries log one line each, causes inline;"
          + " the prober's own exceptions keep their stack trace")
  void lostApiServer() {
    Exception lost =
        new RuntimeException(
            "Operation: [get] for kind: [Lease] failed.",
            new java.io.IOException(
                "Failed to connect to /127.0.0.1:6443",
                new java.net.ConnectException("Connection refused")));
    String library =
        loggedWith("io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector", lost);
    assertThat(library.lines().toList())
        .singleElement()
        .asString()
        .endsWith(
            "attempt failed: Operation: [get] for kind: [Lease] failed.: Failed to connect to"
                + " /127.0.0.1:6443: Connection refused");
    String own = loggedWith("io.imdsprober.sweep.SweepRun", lost);
    assertThat(own.lines().count()).isGreaterThan(3);
    assertThat(own).contains("at io.imdsprober.cli.LogFormatTest");
  }
}
