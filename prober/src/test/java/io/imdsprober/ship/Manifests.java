package io.imdsprober.ship;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.lab.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The repository's shipped files, and the objects an overlay renders to. */
final class Manifests {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path MANIFESTS = ROOT.resolve("manifests");
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Manifests() {}

  /** {@code kubectl kustomize} of an overlay (needs kubectl; skipped without, failed under CI). */
  static String kustomize(String overlay) throws IOException, InterruptedException {
    return kustomize(MANIFESTS.resolve("overlays").resolve(overlay));
  }

  /** {@code kubectl kustomize} of any kustomization directory. */
  static String kustomize(Path kustomization) throws IOException, InterruptedException {
    String overlay = kustomization.toString();
    Path kubectl = Tools.require("kubectl", "kubectl (kustomize is built in)");
    Process p =
        new ProcessBuilder(kubectl.toString(), "kustomize", overlay)
            .redirectErrorStream(false)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("kubectl kustomize " + overlay + " failed: " + err);
    }
    return out;
  }

  /**
   * An overlay of a user's own in {@code dir}, on top of one of ours: {@code resources} is {@code
   * over} (a path below manifests/), {@code more} the rest of its kustomization.yaml. kustomize
   * takes no absolute path, so {@code over} is written relative to {@code dir}.
   */
  static Path userOverlay(Path dir, String over, String more) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
            + "kind: Kustomization\n"
            + "resources:\n"
            + "  - "
            + dir.relativize(MANIFESTS.resolve(over))
            + "\n"
            + more);
    return dir;
  }

  /** The path of something below manifests/, relative to {@code dir}. */
  static Path relative(Path dir, String below) {
    return dir.relativize(MANIFESTS.resolve(below));
  }

  /** The objects of a multi-document YAML text. */
  static List<HasMetadata> objects(String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (!doc.isBlank()) {
        out.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
      }
    }
    return out;
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(o -> o.getMetadata().getName().startsWith(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }
}
