package io.imdsprober.metrics;

import io.imdsprober.lab.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The real promtool from Debian's prometheus package. */
public final class Promtool {
  private Promtool() {}

  /** The result of one promtool run. */
  public record Run(int exit, String output) {}

  /** Runs promtool with the arguments in a directory. */
  public static Run run(Path dir, String... args) throws IOException, InterruptedException {
    Path promtool = Tools.require("promtool", "prometheus");
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(promtool.toString());
    cmd.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("promtool " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), out);
  }

  /** What {@code promtool check metrics} says of a scrape: empty when it is clean. */
  public static String checkMetrics(String scrape) throws IOException, InterruptedException {
    Path promtool = Tools.require("promtool", "prometheus");
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (var in = p.getOutputStream()) {
      in.write(scrape.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("promtool check metrics did not finish");
    }
    return p.exitValue() == 0 ? out.strip() : "exit " + p.exitValue() + ": " + out.strip();
  }
}
