package io.imdsprober.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Typed configuration values: each key's default, overridden by the YAML file, then by its {@code
 * IMDS_PROBER_*} environment variable, then by the command line. Every value is checked when it is
 * loaded; a bad one stops start-up with an error that names the key and the value.
 */
public final class Config {
  private final Map<String, Object> values;
  private final Map<String, String> sources;

  private Config(Map<String, Object> values, Map<String, String> sources) {
    this.values = values;
    this.sources = sources;
  }

  /** Every key at its default. */
  public static Config defaults() {
    return load(Keys.ALL, null, Map.of(), Map.of());
  }

  /**
   * Loads the configuration.
   *
   * @param keys the table
   * @param file the YAML file, or null
   * @param env the environment
   * @param overrides {@code key=value} from the command line, by key
   * @throws ConfigException naming the key, the value and the source
   */
  public static Config load(
      List<Key<?>> keys, Path file, Map<String, String> env, Map<String, String> overrides) {
    return load(keys, file, env, overrides, Map.of());
  }

  /**
   * Loads the configuration, naming each override's source (its flag) in errors.
   *
   * @param overrideSources key to where its override came from ({@code --interval}); {@code --set}
   *     when absent
   */
  public static Config load(
      List<Key<?>> keys,
      Path file,
      Map<String, String> env,
      Map<String, String> overrides,
      Map<String, String> overrideSources) {
    Map<String, Key<?>> byName = new LinkedHashMap<>();
    keys.forEach(k -> byName.put(k.name(), k));
    Map<String, Object> raw = new HashMap<>();
    Map<String, String> sources = new HashMap<>();
    for (Key<?> k : keys) {
      raw.put(k.name(), k.defaultValue());
      sources.put(k.name(), "default");
    }
    if (file != null) {
      Map<String, Object> fromFile = readFile(file, byName);
      raw.putAll(fromFile);
      fromFile.keySet().forEach(k -> sources.put(k, "config file " + file));
    }
    for (Key<?> k : keys) {
      String value = env.get(k.envName());
      if (value != null) {
        raw.put(k.name(), value);
        sources.put(k.name(), "environment variable " + k.envName());
      }
    }
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      if (!byName.containsKey(e.getKey())) {
        throw new ConfigException(
            "--set " + e.getKey() + ": unknown key (the keys are listed in the README)");
      }
      raw.put(e.getKey(), e.getValue());
      sources.put(e.getKey(), overrideSources.getOrDefault(e.getKey(), "--set"));
    }
    Map<String, Object> typed = new HashMap<>();
    for (Key<?> k : keys) {
      typed.put(k.name(), k.parse(raw.get(k.name()), sources.get(k.name())));
    }
    return new Config(typed, sources);
  }

  /** The typed value of a key of the table this configuration was loaded with. */
  @SuppressWarnings("unchecked")
  public <T> T get(Key<T> key) {
    if (!values.containsKey(key.name())) {
      throw new IllegalArgumentException("key " + key.name() + " is not in this configuration");
    }
    return (T) values.get(key.name());
  }

  /** Where a key's value came from: default, the file, the environment or the command line. */
  public String source(Key<?> key) {
    return sources.get(key.name());
  }

  private static Map<String, Object> readFile(Path file, Map<String, Key<?>> keys) {
    String text;
    try {
      text = Files.readString(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ConfigException("config file " + file + ": no such file", e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new ConfigException("config file " + file + ": permission denied", e);
    } catch (IOException e) {
      throw new ConfigException("config file " + file + ": cannot read it: " + e.getMessage(), e);
    }
    Object doc;
    try {
      doc = text.isBlank() ? Map.of() : Values.yaml(text);
    } catch (tools.jackson.core.JacksonException e) {
      throw new ConfigException("config file " + file + ": not valid YAML" + yamlProblem(e), e);
    } catch (RuntimeException e) {
      throw new ConfigException("config file " + file + ": not valid YAML", e);
    }
    if (doc == null) {
      return Map.of();
    }
    if (!(doc instanceof Map<?, ?> root)) {
      throw new ConfigException("config file " + file + ": the top level must be a map of keys");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    flatten("", root, keys, out, file);
    return out;
  }

  /**
   * {@code at line 2, column 13: while parsing a flow sequence: expected ',' or ']'}: the parser's
   * own lines that say what is wrong, without its snippet, caret and source description.
   */
  private static String yamlProblem(tools.jackson.core.JacksonException e) {
    StringBuilder what = new StringBuilder();
    for (String line : String.valueOf(e.getOriginalMessage()).split("\\R")) {
      if (!line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("^")) {
        what.append(what.length() == 0 ? "" : ": ").append(line.strip());
      }
    }
    var at = e.getLocation();
    String where =
        at == null || at.getLineNr() < 0
            ? ""
            : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return where + (what.length() == 0 ? "" : ": " + what);
  }

  /** Nested maps become dotted keys, down to a key of the table (whose value may be a map). */
  private static void flatten(
      String prefix, Map<?, ?> map, Map<String, Key<?>> keys, Map<String, Object> out, Path file) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String name = prefix + Objects.toString(e.getKey());
      if (keys.containsKey(name)) {
        out.put(name, e.getValue());
      } else if (e.getValue() instanceof Map<?, ?> inner
          && keys.keySet().stream().anyMatch(k -> k.startsWith(name + "."))) {
        flatten(name + ".", inner, keys, out, file);
      } else {
        throw new ConfigException(
            "config file "
                + file
                + ": "
                + name
                + ": unknown key (the keys are listed in the README)");
      }
    }
  }
}
