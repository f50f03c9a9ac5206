package io.imdsprober.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads Kubernetes objects from YAML and JSON files and directories as real manifest sets are
 * written: several documents per file, {@code kind: List}, typed lists as the API server returns
 * them ({@code PodList}, {@code NetworkPolicyList}, ...: items carry no kind and take the list's),
 * lists whose items carry no kind, JSON arrays of objects; any kinds (the caller picks what it
 * knows). A file named on the command line that is not Kubernetes objects is a configuration error
 * naming the file and the document's index; in a directory, such files and documents (a
 * package.json, a Helm template or values file, a CI file) are skipped, each named once.
 */
final class ManifestFiles {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private ManifestFiles() {}

  /**
   * What was read.
   *
   * @param objects the objects, in file and document order
   * @param skipped one line per file or document of a directory that is not Kubernetes objects
   * @param duplicates one line per object named twice (same kind, namespace and name), naming both
   *     places: the API server would keep one of them, so the evaluation of both is a guess
   */
  record Read(List<HasMetadata> objects, List<String> skipped, List<String> duplicates) {}

  /**
   * @throws ConfigException naming the path, and the document index for a document
   */
  static Read read(List<Path> paths) {
    List<HasMetadata> out = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> duplicates = new ArrayList<>();
    Map<String, Path> seen = new LinkedHashMap<>();
    for (Path path : paths) {
      boolean named = !Files.isDirectory(path);
      for (Path file : files(path)) {
        List<HasMetadata> objects;
        try {
          objects = readFile(file, named ? null : skipped);
        } catch (ConfigException e) {
          if (named) {
            throw e;
          }
          skipped.add(e.getMessage());
          continue;
        }
        for (HasMetadata o : objects) {
          String key =
              o.getKind()
                  + " "
                  + (o.getMetadata().getNamespace() == null
                      ? ""
                      : o.getMetadata().getNamespace() + "/")
                  + o.getMetadata().getName();
          Path first = seen.putIfAbsent(key, file);
          if (first != null) {
            duplicates.add(key + " is in " + first + " and in " + file);
          }
        }
        out.addAll(objects);
      }
    }
    return new Read(out, skipped, duplicates);
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

  /**
   * The objects of one file.
   *
   * @param skipped where a document that is not Kubernetes objects is noted, or null to fail on it
   */
  private static List<HasMetadata> readFile(Path file, List<String> skipped) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read it: " + e.getMessage(), e);
    }
    List<String> docs =
        file.toString().endsWith(".json") ? List.of(text) : List.of(text.split("(?m)^---.*$"));
    List<HasMetadata> out = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      String doc = docs.get(i);
      if (doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
        continue;
      }
      try {
        Object tree;
        try {
          tree = SERIALIZATION.unmarshal(doc, Object.class);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("does not parse: " + firstLine(e), e);
        }
        List<HasMetadata> objects = new ArrayList<>();
        objects(tree, null, null, objects);
        out.addAll(objects);
      } catch (IllegalArgumentException e) {
        String line = file + ": document " + i + ": not a Kubernetes object: " + e.getMessage();
        if (skipped == null) {
          throw new ConfigException(line, e);
        }
        skipped.add(line);
      }
    }
    return out;
  }

  /**
   * The objects of a parsed document: an object, a list of any kind ({@code items}, each taking the
   * list's kind when it names none: {@code PodList} gives {@code Pod}), or a JSON array.
   *
   * @throws IllegalArgumentException saying why it is not Kubernetes objects
   */
  @SuppressWarnings("unchecked")
  private static void objects(
      Object tree, String itemKind, String itemApiVersion, List<HasMetadata> out) {
    if (tree instanceof List<?> array) {
      for (Object o : array) {
        objects(o, itemKind, itemApiVersion, out);
      }
      return;
    }
    if (!(tree instanceof Map<?, ?> raw)) {
      throw new IllegalArgumentException("a " + describe(tree) + ", not an object");
    }
    Map<String, Object> map = new LinkedHashMap<>((Map<String, Object>) raw);
    Object kind = map.get("kind");
    if (kind == null && itemKind != null) {
      map.put("kind", itemKind);
      kind = itemKind;
      if (map.get("apiVersion") == null && itemApiVersion != null) {
        map.put("apiVersion", itemApiVersion);
      }
    }
    if (kind == null && map.get("items") instanceof List<?> items) {
      // a list object without a kind of its own: its items name theirs
      objects(items, null, null, out);
      return;
    }
    if (!(kind instanceof String k) || k.isBlank()) {
      throw new IllegalArgumentException("no kind");
    }
    if (k.endsWith("List") && map.get("items") instanceof List<?> items) {
      String of = k.equals("List") ? null : k.substring(0, k.length() - "List".length());
      Object apiVersion = map.get("apiVersion");
      objects(items, of, of == null || apiVersion == null ? null : apiVersion.toString(), out);
      return;
    }
    if (map.get("apiVersion") == null) {
      throw new IllegalArgumentException(k + " without apiVersion");
    }
    if (!(map.get("metadata") instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(k + " without metadata");
    }
    Object o;
    try {
      o = SERIALIZATION.convertValue(map, KubernetesResource.class);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(k + ": " + firstLine(e), e);
    }
    if (!(o instanceof HasMetadata h)) {
      throw new IllegalArgumentException(k + " is not an object with metadata");
    }
    out.add(h);
  }

  private static String describe(Object o) {
    return o == null ? "null" : o instanceof String ? "string" : o.getClass().getSimpleName();
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
