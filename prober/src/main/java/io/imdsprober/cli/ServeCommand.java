package io.imdsprober.cli;

import picocli.CommandLine.Command;

/** {@code serve}: scheduled sweeps with metrics. Not implemented yet. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Sweep on a schedule and serve /metrics (not implemented yet).")
final class ServeCommand extends NotYetCommand {}
