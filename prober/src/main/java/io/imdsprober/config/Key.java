package io.imdsprober.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * One configuration key: its dotted name, its default (as written in the file) and how a value is
 * turned into its type. A value arrives as parsed YAML (string, number, boolean, list or map) or as
 * a string from the environment or {@code --set}.
 *
 * @param name the dotted key, as in the YAML file ({@code probe.deadline})
 * @param defaultValue the default, in the same form as a value from the file
 * @param description one line for the reference table
 * @param parser turns a raw value into the typed one; throws IllegalArgumentException
 */
public record Key<T>(
    String name, Object defaultValue, String description, Function<Object, T> parser) {
  public Key {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(parser, "parser");
  }

  /**
   * The environment variable that overrides this key: {@code probe.maxInFlight} is {@code
   * IMDS_PROBER_PROBE_MAX_IN_FLIGHT}.
   */
  public String envName() {
    StringBuilder sb = new StringBuilder("IMDS_PROBER_");
    for (char c : name.toCharArray()) {
      if (c == '.') {
        sb.append('_');
      } else if (Character.isUpperCase(c)) {
        sb.append('_').append(c);
      } else {
        sb.append(Character.toUpperCase(c));
      }
    }
    return sb.toString();
  }

  /**
   * The typed value of a raw one.
   *
   * @throws ConfigException naming this key, the value and what is wrong
   */
  public T parse(Object raw, String source) {
    try {
      return parser.apply(raw);
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new ConfigException(
          source + ": " + name + ": invalid value " + quote(raw) + ": " + e.getMessage(), e);
    }
  }

  private static String quote(Object raw) {
    return raw instanceof String s ? "'" + s + "'" : String.valueOf(raw);
  }
}
