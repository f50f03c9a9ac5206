package io.imdsprober.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** External programs a test needs: skipped with the reason where missing, failed under CI=true. */
public final class Tools {
  private Tools() {}

  /** The program's path in /usr/bin or /usr/sbin, or the test is skipped (failed under CI). */
  public static Path require(String command, String debianPackage) {
    for (String dir : new String[] {"/usr/bin", "/usr/sbin", "/bin", "/sbin"}) {
      Path p = Path.of(dir, command);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    unavailable("this test needs " + command + " (Debian " + debianPackage + ")");
    return null;
  }

  /**
   * Skips the test with the reason; under {@code CI=true} fails it, so CI never passes by skipping.
   */
  public static void unavailable(String why) {
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(why + "; under CI=true this fails instead of skipping");
    }
    Assumptions.abort(why);
  }
}
