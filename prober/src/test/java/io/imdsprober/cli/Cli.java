package io.imdsprober.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the command line in-process, capturing what it prints. */
public final class Cli {
  public record Result(int exit, String out, String err) {}

  private Cli() {}

  public static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
    int exit = cl.execute(args);
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
