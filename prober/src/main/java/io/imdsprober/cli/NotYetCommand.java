package io.imdsprober.cli;

import java.util.concurrent.Callable;

/** A mode whose issue has not landed yet: it says so and exits 3. */
abstract class NotYetCommand implements Callable<Integer> {
  static final int EXIT_NOT_IMPLEMENTED = 3;

  @Override
  public Integer call() {
    System.err.println(
        getClass().getSimpleName().replace("Command", "").toLowerCase(java.util.Locale.ROOT)
            + ": not implemented yet");
    return EXIT_NOT_IMPLEMENTED;
  }
}
