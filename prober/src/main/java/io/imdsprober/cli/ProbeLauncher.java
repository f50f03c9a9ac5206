package io.imdsprober.cli;

import io.imdsprober.facts.Facts;
import io.imdsprober.probe.ProbeAgent;
import io.imdsprober.probe.ProbeOutput;
import io.imdsprober.probe.ProbePlan;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The probe pod's way in: {@code probe} with well-formed flags runs without picocli, which would
 * build the whole command tree (instantiating every command: databind, YAML, logback) and whose
 * classes the JVM cannot put in a CDS archive (class file version 49). That was about half a
 * CPU-second of a probe paid thousands of times an hour (bench/README.md, "Probe cost"). Anything
 * else (help, version, an unknown flag, a flag without its value, a single-valued flag given twice,
 * a value the plan refuses) returns null, and the caller runs the full command line, which says
 * what is wrong exactly as it always has.
 */
final class ProbeLauncher {
  private ProbeLauncher() {}

  /**
   * Runs {@code probe} directly when the arguments allow it.
   *
   * @return the exit code, or null when the full command line must handle the arguments
   */
  static Integer run(String[] args, Map<String, String> env) {
    ProbePlan plan;
    try {
      ProbeFlags flags = parse(args, env);
      if (flags == null) {
        return null;
      }
      plan = flags.plan();
    } catch (IllegalArgumentException usage) {
      return null;
    }
    return probe(plan, new ProbeOutput(System.out));
  }

  /** Runs the checks of a plan and emits the facts; the exit code is 0 once they are printed. */
  static int probe(ProbePlan plan, ProbeOutput output) {
    Facts facts = new ProbeAgent(plan).run();
    // the JSON is on stdout either way; the prober reads the log when the file is empty, and it
    // judges facts only from an agent that exited 0 (DESIGN.md "Trust")
    output.emit(facts, plan.resultFile());
    return 0;
  }

  /**
   * Whether an argument names an option, which picocli reads as one, never as the value of the
   * option before it ({@code --dns-name --egress-url}: a missing value, not a name to resolve).
   */
  private static boolean isFlag(String arg) {
    int eq = arg.indexOf('=');
    String name = eq > 0 ? arg.substring(0, eq) : arg;
    if (name.equals("-h")
        || name.equals("-V")
        || name.equals("--help")
        || name.equals("--version")) {
      return true;
    }
    return ProbeFlags.flag(name) != null;
  }

  /**
   * The flags of {@code probe ARGS...} with the environment's and the defaults, or null when the
   * arguments are not plain {@code --flag value} / {@code --flag=value} pairs of known flags.
   *
   * @throws IllegalArgumentException for a value picocli would refuse
   */
  static ProbeFlags parse(String[] args, Map<String, String> env) {
    if (args.length == 0 || !"probe".equals(args[0])) {
      return null;
    }
    ProbeFlags flags = new ProbeFlags();
    // by identity: a record's equals is bootstrapped through method handles, which the JVM spins
    // into classes at run time (19 of them here, at each probe's start)
    Set<ProbeFlags.Flag> given = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(0, eq) : arg;
      ProbeFlags.Flag flag = ProbeFlags.flag(name);
      if (flag == null
          || (eq < 0 && (i + 1 >= args.length || isFlag(args[i + 1])))
          || (given.contains(flag) && !flag.list())) {
        return null;
      }
      flags.set(flag, eq > 0 ? arg.substring(eq + 1) : args[++i]);
      given.add(flag);
    }
    flags.defaults(given, env);
    return flags;
  }
}
