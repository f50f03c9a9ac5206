package io.imdsprober.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.FactsJson;
import io.imdsprober.lab.JavaCommand;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's stdout carries only its JSON, whatever the JVM has to say: with the shipped {@code
 * jvm/probe.options}, a CDS archive that does not match (made with another class path, as an
 * archive made with a relative jar path does not match in a pod) is warned about on stderr. Every
 * target is on loopback and nothing listens there.
 */
class ProbeStdoutTest {
  static final Path OPTIONS = Path.of("..", "jvm", "probe.options");

  private static List<String> agent(Path archive, String classpath, boolean train) {
    List<String> cmd = new ArrayList<>();
    cmd.add(JavaCommand.java().get(0));
    cmd.add("@" + OPTIONS.toAbsolutePath());
    cmd.add(train ? "-XX:ArchiveClassesAtExit=" + archive : "-XX:SharedArchiveFile=" + archive);
    if (train) {
      cmd.addAll(List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
    }
    cmd.addAll(List.of("-cp", classpath, "io.imdsprober.cli.Launcher", "probe"));
    cmd.addAll(
        List.of(
            "--metadata", "127.0.0.1:9",
            "--dns-server", "127.0.0.1:9",
            "--egress-url", "https://127.0.0.1:9/",
            "--connect-timeout", "1s",
            "--settle", "0s",
            "--result-file", "-"));
    return cmd;
  }

  private static Process run(List<String> cmd, Path cwd, Path out, Path err) throws Exception {
    return new ProcessBuilder(cmd)
        .directory(cwd.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
  }

  /**
   * The test run's class path with the prober's classes in a jar (CDS archives no classes from
   * directories) and without the test classes.
   */
  private static String jarredClasspath(Path dir) throws Exception {
    List<String> out = new ArrayList<>();
    for (String entry : JavaCommand.classpath().split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (!Files.isDirectory(p)) {
        out.add(entry);
      } else if (p.endsWith("classes")) {
        Path jar = dir.resolve("prober.jar");
        try (var zip = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
            var files = Files.walk(p)) {
          for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
            zip.putNextEntry(new java.util.jar.JarEntry(p.relativize(f).toString()));
            Files.copy(f, zip);
            zip.closeEntry();
          }
        }
        out.add(0, jar.toString());
      }
    }
    return String.join(File.pathSeparator, out);
  }

  @Test
  @DisplayName("a CDS archive that does not match warns on stderr; stdout is the JSON alone")
  void onlyJsonOnStdout(@TempDir Path dir) throws Exception {
    Path archive = dir.resolve("probe.jsa");
    String cp = jarredClasspath(dir);
    Process train = run(agent(archive, cp, true), dir, dir.resolve("t.out"), dir.resolve("t.err"));
    assertThat(train.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(archive).exists();

    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    // another class path than the archive's: an extra jar in front
    Path extra = dir.resolve("extra.jar");
    try (var zip = new java.util.jar.JarOutputStream(Files.newOutputStream(extra))) {
      zip.putNextEntry(new java.util.jar.JarEntry("extra.txt"));
      zip.closeEntry();
    }
    String other = extra + File.pathSeparator + cp;
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process p = run(agent(archive, other, false), elsewhere, out, err);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(stderr).as("the JVM did warn: the archive does not match").contains("[cds");
    assertThat(stdout.lines().toList()).as("stderr: %s", stderr).hasSize(1);
    assertThat(FactsJson.read(stdout.strip()).metadata()).hasSize(1);
  }
}
