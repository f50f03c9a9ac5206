package io.imdsprober.lab;

import java.nio.file.Path;
import java.util.List;

/** How to start another JVM with this test run's classes. */
public final class JavaCommand {
  private JavaCommand() {}

  /** The java launcher of the running JVM, with flags that make short-lived JVMs start fast. */
  public static List<String> java() {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Xshare:auto");
  }

  /** This run's classpath (the prober's classes, the test classes and all dependencies). */
  public static String classpath() {
    return System.getProperty("java.class.path");
  }
}
