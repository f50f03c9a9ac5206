package io.imdsprober.cli;

/**
 * The jar's entry point. A probe pod's agent starts here thousands of times an hour, so this class
 * names no command-line framework: {@code probe} with plain flags goes straight to {@link
 * ProbeLauncher}; everything else (and any probe arguments it does not take) to {@link Main}.
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) {
    Integer probe = ProbeLauncher.run(args, System.getenv());
    if (probe != null) {
      System.exit(probe);
    }
    Main.main(args);
  }
}
