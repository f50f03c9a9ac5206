package io.imdsprober.config;

import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.facts.FactWord;
import io.imdsprober.util.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Parsers for configuration values. A structured value (list, map) may come as YAML from the file,
 * or as a string from the environment: either a YAML flow ({@code [a, b]}, {@code {k: v}}) or the
 * short forms {@code a,b} and {@code k=v,k2=v2}.
 */
final class Values {
  private static final KubernetesSerialization KUBE = new KubernetesSerialization();
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private Values() {}

  static Function<Object, String> string() {
    return raw -> {
      if (raw instanceof Map || raw instanceof List) {
        throw new IllegalArgumentException("a single value is required");
      }
      return raw == null ? "" : String.valueOf(raw).trim();
    };
  }

  static Function<Object, Duration> duration(Duration min) {
    return raw -> {
      Duration d = Durations.parse(string().apply(raw));
      if (d.compareTo(min) < 0) {
        throw new IllegalArgumentException("must be at least " + Durations.format(min));
      }
      return d;
    };
  }

  static Function<Object, Integer> integer(int min, int max) {
    return raw -> {
      String text = string().apply(raw);
      try {
        int n = Integer.parseInt(text);
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // the message below says what is accepted
      }
      throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
    };
  }

  static Function<Object, Boolean> bool() {
    return raw -> {
      String text = string().apply(raw);
      if (text.equals("true") || text.equals("false")) {
        return Boolean.valueOf(text);
      }
      throw new IllegalArgumentException("must be true or false");
    };
  }

  static <E extends Enum<E> & FactWord> Function<Object, E> word(Class<E> type) {
    return raw -> FactWord.parse(type, string().apply(raw));
  }

  static Function<Object, List<String>> list() {
    return raw -> {
      Object value = flow(raw, '[');
      List<String> out = new ArrayList<>();
      if (value instanceof List<?> items) {
        for (Object item : items) {
          out.add(string().apply(item));
        }
      } else if (value instanceof String s) {
        for (String part : s.split(",")) {
          if (!part.isBlank()) {
            out.add(part.trim());
          }
        }
      } else if (value != null) {
        throw new IllegalArgumentException("a list is required");
      }
      return List.copyOf(out);
    };
  }

  static Function<Object, Map<String, String>> map() {
    return raw -> {
      Object value = flow(raw, '{');
      Map<String, String> out = new LinkedHashMap<>();
      if (value instanceof Map<?, ?> entries) {
        entries.forEach((k, v) -> out.put(String.valueOf(k), string().apply(v)));
      } else if (value instanceof String s) {
        for (String part : s.split(",")) {
          if (part.isBlank()) {
            continue;
          }
          int eq = part.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("'" + part.trim() + "' is not key=value");
          }
          out.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
      } else if (value != null) {
        throw new IllegalArgumentException("a map is required");
      }
      return java.util.Collections.unmodifiableMap(out);
    };
  }

  static Function<Object, List<Toleration>> tolerations() {
    return raw -> {
      Object value = flow(raw, '[');
      if (value == null || value instanceof String s && s.isBlank()) {
        return List.of();
      }
      if (!(value instanceof List<?> items)) {
        throw new IllegalArgumentException("a list of tolerations is required");
      }
      List<Toleration> out = new ArrayList<>();
      for (Object item : items) {
        if (!(item instanceof Map)) {
          throw new IllegalArgumentException("each toleration must be a map (key, operator, ...)");
        }
        Toleration t = KUBE.convertValue(item, Toleration.class);
        if (!t.getAdditionalProperties().isEmpty()) {
          throw new IllegalArgumentException(
              "unknown toleration field(s) " + t.getAdditionalProperties().keySet());
        }
        out.add(t);
      }
      return List.copyOf(out);
    };
  }

  /** A string that opens a YAML flow collection is parsed as YAML; other values pass through. */
  private static Object flow(Object raw, char open) {
    if (raw instanceof String s && s.trim().startsWith(String.valueOf(open))) {
      try {
        return YAML.readValue(s.trim(), Object.class);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("not valid YAML: " + e.getMessage(), e);
      }
    }
    return raw;
  }

  /** Parses a YAML document into maps, lists and scalars. */
  static Object yaml(String text) {
    return YAML.readValue(text, Object.class);
  }
}
