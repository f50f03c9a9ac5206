package io.imdsprober.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The two base images the image test builds the Dockerfile on, made with mmdebstrap from Debian's
 * packages (the machine's own apt sources, so a mirror or proxy it uses is used too): a JDK 17 with
 * a shell for the build stage, and a JRE 17 with no shell, no interpreter and no package manager
 * for the runtime, as distroless is. Each is tagged by a hash of its recipe and the apt sources and
 * kept in the tests' buildah storage, so a second run makes neither again.
 */
final class BaseImages {
  static final String SUITE = "bookworm";

  /** Documentation, manuals and translations: nothing in the image reads them. */
  private static final String TRIM =
      "cd \"$1\" && rm -rf usr/share/doc/* usr/share/man/* usr/share/info/* usr/share/locale/*";

  /**
   * Every shell, the interpreters that can start a program (perl, awk; GNU sed's {@code e} needs
   * /bin/sh), and the package manager's programs, as distroless leaves them out. Its configuration
   * stays: mmdebstrap deletes its own files there after this hook.
   */
  private static final String STRIP =
      " && rm -f usr/bin/sh usr/bin/dash usr/bin/bash usr/bin/rbash usr/bin/perl*"
          + " usr/bin/awk usr/bin/mawk usr/bin/nawk usr/bin/dpkg* usr/sbin/dpkg*"
          + " usr/bin/apt* usr/bin/debconf* usr/sbin/update-alternatives"
          + " && rm -rf usr/lib/apt usr/lib/dpkg var/cache/debconf"
          + " usr/share/perl usr/share/perl5 usr/lib/x86_64-linux-gnu/perl*";

  /** One base image: what mmdebstrap installs and what the hook then deletes. */
  record Recipe(String name, String packages, String customizeHook) {
    List<String> mmdebstrap(Path tar) {
      List<String> cmd = new ArrayList<>();
      cmd.add("mmdebstrap");
      cmd.add("--quiet");
      cmd.add("--variant=essential");
      cmd.add("--include=" + packages);
      cmd.add("--customize-hook=" + customizeHook);
      cmd.add(SUITE);
      cmd.add(tar.toString());
      cmd.addAll(aptSources());
      return cmd;
    }

    /** The image's name in the tests' storage, tagged by a hash of the recipe and apt sources. */
    String ref() {
      StringBuilder recipe = new StringBuilder(String.join("\n", mmdebstrap(Path.of("-"))));
      for (String source : aptSources()) {
        try {
          recipe.append('\n').append(Files.readString(Path.of(source)));
        } catch (IOException e) {
          throw new IllegalStateException("cannot read " + source, e);
        }
      }
      return "localhost/imds-prober-test/"
          + name
          + ":"
          + sha256(recipe.toString()).substring(0, 12);
    }
  }

  static final Recipe JDK = new Recipe("jdk17", "openjdk-17-jdk-headless", TRIM);
  static final Recipe JRE = new Recipe("jre17", "openjdk-17-jre-headless", TRIM + STRIP);

  private BaseImages() {}

  /**
   * The image of the recipe, made (a few minutes) only when the storage lacks it; images of the
   * recipe's earlier versions are deleted.
   */
  static String ensure(Buildah buildah, Path workDir, Recipe recipe) throws IOException {
    String ref = recipe.ref();
    String repository = ref.substring(0, ref.lastIndexOf(':') + 1);
    for (String old :
        buildah
            .ok(Duration.ofMinutes(1), "images", "--noheading", "--format", "{{.Name}}:{{.Tag}}")
            .lines()
            .map(String::strip)
            .filter(r -> r.startsWith(repository) && !r.equals(ref))
            .toList()) {
      buildah.exec(Duration.ofMinutes(1), List.of("rmi", old));
    }
    if (buildah.hasImage(ref)) {
      return ref;
    }
    Path tar = workDir.resolve(recipe.name() + ".tar");
    System.out.println("ImageBuildIT: making base image " + ref + " with mmdebstrap");
    Buildah.Result r = Buildah.execLine(Duration.ofMinutes(20), recipe.mmdebstrap(tar));
    if (r.exit() != 0) {
      throw new IllegalStateException(
          "mmdebstrap for " + ref + " failed (exit " + r.exit() + "): " + tail(r.both()));
    }
    try {
      buildah.importRootfs(tar, ref);
    } finally {
      Files.deleteIfExists(tar);
    }
    return ref;
  }

  /**
   * The machine's apt sources (deb822 or one-line), so that the images come from where its own
   * packages come from; none: mmdebstrap's default mirror.
   */
  static List<String> aptSources() {
    for (String candidate :
        List.of("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list")) {
      Path p = Path.of(candidate);
      try {
        if (Files.isRegularFile(p) && Files.size(p) > 0) {
          return List.of(candidate);
        }
      } catch (IOException e) {
        // unreadable: try the next one
      }
    }
    return List.of();
  }

  private static String tail(String s) {
    return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
