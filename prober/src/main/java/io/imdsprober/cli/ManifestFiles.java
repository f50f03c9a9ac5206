package io.imdsprober.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads Kubernetes objects from YAML and JSON files and directories as real manifest sets are
 * written: several documents per file, {@code kind: List}, any kinds (the caller picks what it
 * knows). A file or document that cannot be read is a configuration error naming the file and the
 * document's index.
 */
final class ManifestFiles {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private ManifestFiles() {}

  /**
   * @throws ConfigException naming the path, and the document index for a document
   */
  static List<HasMetadata> read(List<Path> paths) {
    List<HasMetadata> out = new ArrayList<>();
    for (Path path : paths) {
      for (Path file : files(path)) {
        out.addAll(readFile(file));
      }
    }
    return out;
  }

  private static List<Path> files(Path path) {
    if (!Files.exists(path)) {
      throw new ConfigException("--manifests " + path + ": no such file or directory");
    }
    if (!Files.isDirectory(path)) {
      return List.of(path);
    }
    try (Stream<Path> walk = Files.walk(path)) {
      return walk.filter(Files::isRegularFile)
          .filter(
              f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new ConfigException("--manifests " + path + ": cannot read it: " + e.getMessage(), e);
    }
  }

  private static List<HasMetadata> readFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("--manifests " + file + ": cannot read it: " + e.getMessage(), e);
    }
    List<String> docs =
        file.toString().endsWith(".json") ? List.of(text) : List.of(text.split("(?m)^---.*$"));
    List<HasMetadata> out = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      String doc = docs.get(i);
      if (doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
        continue;
      }
      Object o;
      try {
        o = SERIALIZATION.unmarshal(doc, KubernetesResource.class);
      } catch (RuntimeException e) {
        throw new ConfigException(
            file + ": document " + i + ": not a Kubernetes object: " + firstLine(e), e);
      }
      if (o instanceof KubernetesList list) {
        out.addAll(list.getItems());
      } else if (o instanceof HasMetadata h) {
        out.add(h);
      } else {
        throw new ConfigException(file + ": document " + i + ": not a Kubernetes object");
      }
    }
    return out;
  }

  private static String firstLine(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = String.valueOf(t.getMessage());
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)).strip();
  }
}
