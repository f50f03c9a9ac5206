package io.imdsprober.cli;

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
    subcommands = {ProbeCommand.class, SweepCommand.class, ServeCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command line, with usage errors printed as the message and a pointer to --help. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine cmd = ex.getCommandLine();
          cmd.getErr().println(ex.getMessage());
          cmd.getErr()
              .println(
                  "Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
          return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
    return cl;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a command is required: probe, sweep or serve");
  }
}
