package io.imdsprober.facts;

import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The facts contract as a checker of the parsed JSON tree, run before the tree is bound to {@link
 * Facts}: every field of the contract must be present (the agent always writes every field, null
 * where it has no value), of its type, integers written as integers ({@code 1.9} and {@code 2.5e2}
 * are not), and every word one of the contract's. The error names the field by its path, such as
 * {@code metadata[1].token}. Unknown fields are left alone (a newer agent may add some). Pure.
 */
final class FactsSchema {
  /** What a field may hold. */
  private enum Kind {
    INT,
    INT_OR_NULL,
    STRING,
    STRING_OR_NULL,
    LIST
  }

  private record Field(String name, Kind kind, Class<? extends Enum<?>> words) {
    Field(String name, Kind kind) {
      this(name, kind, null);
    }
  }

  private static final Field[] TOP = {
    new Field("v", Kind.INT),
    new Field("pod", Kind.STRING),
    new Field("node", Kind.STRING_OR_NULL),
    new Field("started", Kind.STRING),
    new Field("elapsedMs", Kind.INT),
    new Field("metadata", Kind.LIST),
    new Field("dns", Kind.LIST),
    new Field("egress", Kind.LIST),
    new Field("errors", Kind.LIST)
  };

  private static final Field[] METADATA = {
    new Field("target", Kind.STRING),
    new Field("profile", Kind.STRING, Profile.class),
    new Field("mode", Kind.STRING, RequestMode.class),
    new Field("tcp", Kind.STRING, TcpResult.class),
    new Field("connectMs", Kind.INT_OR_NULL),
    new Field("http", Kind.INT_OR_NULL),
    new Field("fingerprint", Kind.STRING_OR_NULL, Fingerprint.class),
    new Field("token", Kind.STRING, TokenResult.class),
    new Field("attempts", Kind.INT),
    new Field("openedThenBlockedMs", Kind.INT_OR_NULL)
  };

  private static final Field[] DNS = {
    new Field("name", Kind.STRING),
    new Field("server", Kind.STRING_OR_NULL),
    new Field("proto", Kind.STRING_OR_NULL),
    new Field("result", Kind.STRING, DnsResult.class),
    new Field("ms", Kind.INT),
    new Field("answers", Kind.INT)
  };

  private static final Field[] EGRESS = {
    new Field("url", Kind.STRING),
    new Field("result", Kind.STRING, EgressResult.class),
    new Field("http", Kind.INT_OR_NULL),
    new Field("ms", Kind.INT)
  };

  private static final Map<String, Field[]> ITEMS =
      Map.of("metadata", METADATA, "dns", DNS, "egress", EGRESS);

  private FactsSchema() {}

  /**
   * @throws MalformedFactsException naming the first field that breaks the contract
   */
  static void check(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new MalformedFactsException("the probe result is not a JSON object but " + type(root));
    }
    fields(root, TOP, "");
    for (String list : new String[] {"metadata", "dns", "egress"}) {
      JsonNode items = root.get(list);
      for (int i = 0; i < items.size(); i++) {
        JsonNode item = items.get(i);
        String path = list + "[" + i + "]";
        if (!item.isObject()) {
          throw new MalformedFactsException(path + " is " + type(item) + ", not an object");
        }
        fields(item, ITEMS.get(list), path + ".");
      }
    }
    JsonNode errors = root.get("errors");
    for (int i = 0; i < errors.size(); i++) {
      if (!errors.get(i).isString()) {
        throw new MalformedFactsException(
            "errors[" + i + "] is " + type(errors.get(i)) + ", not a string");
      }
    }
  }

  private static void fields(JsonNode object, Field[] fields, String prefix) {
    for (Field f : fields) {
      String path = prefix + f.name();
      JsonNode value = object.get(f.name());
      if (value == null) {
        throw new MalformedFactsException(path + " is missing");
      }
      boolean nullable = f.kind() == Kind.INT_OR_NULL || f.kind() == Kind.STRING_OR_NULL;
      if (value.isNull()) {
        if (!nullable) {
          throw new MalformedFactsException(path + " is null");
        }
        continue;
      }
      switch (f.kind()) {
        case INT, INT_OR_NULL -> {
          if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new MalformedFactsException(path + " is " + shown(value) + ", not an integer");
          }
        }
        case STRING, STRING_OR_NULL -> {
          if (!value.isString()) {
            throw new MalformedFactsException(path + " is " + shown(value) + ", not a string");
          }
          if (f.words() != null) {
            word(f.words(), value.asString(), path);
          }
        }
        case LIST -> {
          if (!value.isArray()) {
            throw new MalformedFactsException(path + " is " + type(value) + ", not a list");
          }
        }
      }
    }
  }

  private static void word(Class<? extends Enum<?>> type, String word, String path) {
    StringBuilder accepted = new StringBuilder();
    for (Enum<?> e : type.getEnumConstants()) {
      String w = ((FactWord) e).word();
      if (w.equals(word)) {
        return;
      }
      accepted.append(accepted.length() == 0 ? "" : "|").append(w);
    }
    throw new MalformedFactsException(
        path + " is '" + abbreviate(word) + "', not one of " + accepted);
  }

  private static String shown(JsonNode value) {
    return value.isValueNode() ? abbreviate(value.toString()) : type(value);
  }

  private static String type(JsonNode node) {
    if (node == null || node.isNull()) {
      return "null";
    }
    return node.isObject() ? "an object" : node.isArray() ? "a list" : shown(node);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
