package io.imdsprober.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's buildah on storage of the tests' own (under the cache directory, so that the machine's
 * images are neither seen nor touched), always with chroot isolation: podman's OCI runtimes are
 * refused on these machines (cgroups hybrid mode, rlimits), chroot works.
 */
final class Buildah {
  /** What a command did. */
  record Result(int exit, String stdout, String stderr) {
    String both() {
      return stdout + stderr;
    }
  }

  private final Path buildah;
  private final Path root;

  Buildah(Path buildah, Path root) {
    this.buildah = buildah;
    this.root = root;
  }

  /** The command line up to the subcommand: this storage's root and run root. */
  List<String> prefix() {
    return List.of(
        buildah.toString(),
        "--root",
        root.resolve("storage").toString(),
        "--runroot",
        root.resolve("run").toString());
  }

  /** Whether the image is in this storage. */
  boolean hasImage(String ref) {
    return exec(Duration.ofMinutes(1), List.of("inspect", "--type", "image", ref)).exit() == 0;
  }

  /** Makes an image of a root file system tarball (mmdebstrap's output). */
  void importRootfs(Path tar, String ref) {
    String ctr = ok(Duration.ofMinutes(1), "from", "scratch").strip();
    try {
      ok(Duration.ofMinutes(10), "add", ctr, tar.toString(), "/");
      ok(
          Duration.ofMinutes(1),
          "config",
          "--env",
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          ctr);
      ok(Duration.ofMinutes(10), "commit", "--quiet", ctr, ref);
    } finally {
      rm(ctr);
    }
  }

  /** A working container of the image; its name. */
  String from(String image) {
    return ok(Duration.ofMinutes(2), "from", "--pull=never", image).strip();
  }

  /**
   * The command line that runs {@code command} in a container (chroot isolation, the caller's
   * network namespace: run it under {@code ip netns exec} to choose one).
   */
  List<String> runLine(String ctr, List<String> options, List<String> command) {
    List<String> cmd = new ArrayList<>(prefix());
    cmd.addAll(List.of("run", "--isolation", "chroot", "--network", "host"));
    cmd.addAll(options);
    cmd.add(ctr);
    cmd.add("--");
    cmd.addAll(command);
    return cmd;
  }

  /** Runs {@code command} in a container, in this process's network namespace (loopback only). */
  Result run(String ctr, List<String> options, List<String> command) {
    return execLine(Duration.ofMinutes(2), runLine(ctr, options, command));
  }

  /** The container's root file system, mounted on this machine. */
  Path mount(String ctr) {
    return Path.of(ok(Duration.ofMinutes(1), "mount", ctr).strip());
  }

  void rm(String ctr) {
    exec(Duration.ofMinutes(1), List.of("rm", ctr));
  }

  /** {@code buildah inspect --format} of an image. */
  String inspectImage(String ref, String format) {
    return ok(Duration.ofMinutes(1), "inspect", "--type", "image", "--format", format, ref).strip();
  }

  /** Runs a buildah subcommand; fails the test with its output when it fails. */
  String ok(Duration timeout, String... args) {
    Result r = exec(timeout, List.of(args));
    if (r.exit() != 0) {
      throw new IllegalStateException(
          "buildah " + String.join(" ", args) + ": exit " + r.exit() + ": " + r.both());
    }
    return r.stdout();
  }

  Result exec(Duration timeout, List<String> args) {
    List<String> cmd = new ArrayList<>(prefix());
    cmd.addAll(args);
    return execLine(timeout, cmd);
  }

  /** Runs a whole command line, its output kept in files (a build prints a lot). */
  static Result execLine(Duration timeout, List<String> cmd) {
    try {
      Path out = Files.createTempFile("buildah", ".out");
      Path err = Files.createTempFile("buildah", ".err");
      try {
        Process p =
            new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          throw new IllegalStateException(
              String.join(" ", cmd) + ": did not finish within " + timeout);
        }
        return new Result(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
