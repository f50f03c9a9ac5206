package io.imdsprober.cli;

import io.imdsprober.sweep.SweepResult;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one jar's entry point: {@code probe}, {@code sweep} and {@code serve}. */
@Command(
    name = "imds-prober",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description =
        "Proves, from inside the cluster, that pods cannot reach the cloud instance metadata"
            + " service.",
    subcommands = {ProbeCommand.class, SweepCommand.class, ServeCommand.class, PolicyCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /**
   * The command line. A usage error (an unknown flag, a bad value, a missing command) is one line
   * on stderr naming the flag, and exit code 3, the code of every configuration error: 2 means a
   * namespace could not be judged, so a pipeline must be able to tell a typo from a finding.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine cmd = ex.getCommandLine();
          cmd.getErr()
              .println(
                  usageLine(ex.getMessage())
                      + " (see '"
                      + cmd.getCommandSpec().qualifiedName()
                      + " --help')");
          return SweepResult.EXIT_CONFIG;
        });
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          // a fault no command handled (a bug, or an API failure in an unexpected place): it
          // cannot mean "exposed" (exit 1), so it is "cannot run", with its stack trace logged
          LoggerFactory.getLogger(Main.class).error("unexpected failure", ex);
          cmd.getErr()
              .println(cmd.getCommandSpec().qualifiedName() + ": cannot run: " + messages(ex));
          return SweepResult.EXIT_CONFIG;
        });
    return cl;
  }

  /** Each distinct message of an exception's cause chain, outermost first, on one line. */
  static String messages(Throwable ex) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (Throwable t = ex; t != null && out.size() < 8; t = t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
      if (!m.isEmpty() && !out.contains(m)) {
        out.add(m);
      }
    }
    return usageLine(String.join(": ", out));
  }

  /** A picocli message on one line, without its doubled words. */
  static String usageLine(String message) {
    return String.valueOf(message)
        .replace("option option", "option")
        .replaceAll("\\s*\\R\\s*", "; ")
        .strip();
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a command is required: probe, sweep, serve or policy");
  }
}
