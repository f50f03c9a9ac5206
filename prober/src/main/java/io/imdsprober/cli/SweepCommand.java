package io.imdsprober.cli;

import picocli.CommandLine.Command;

/** {@code sweep --once}: probe every target namespace once and report. Not implemented yet. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description = "Probe every target namespace once and report (not implemented yet).")
final class SweepCommand extends NotYetCommand {}
