package io.imdsprober.facts;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads and writes the facts JSON: one compact object, field order as in the contract. */
public final class FactsJson {
  private FactsJson() {}

  /** Databind, loaded only by readers (the prober), never by the agent. */
  private static final class Reader {
    static final JsonMapper MAPPER =
        JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // {"tcp":"timeout","tcp":"connected"}: which one did the agent mean? Neither is judged.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
  }

  /** The compact JSON of the facts, on one line, fields in the contract's order. */
  public static String write(Facts facts) {
    return FactsWriter.write(facts);
  }

  /**
   * Parses facts JSON as written by any agent of this contract version: one JSON object, no
   * duplicated key, every field of the contract present and of its type ({@link FactsSchema}).
   *
   * @throws MalformedFactsException naming what is wrong, down to the field
   */
  public static Facts read(String json) {
    if (json == null || json.isBlank()) {
      throw new MalformedFactsException("the probe result is empty");
    }
    JsonNode tree;
    try {
      tree = Reader.MAPPER.readTree(json);
    } catch (JacksonException e) {
      throw new MalformedFactsException(
          "the probe result is not valid facts JSON: " + e.getOriginalMessage(), e);
    }
    if (tree != null && tree.isObject() && tree.get("v") != null && tree.get("v").isNumber()) {
      JsonNode v = tree.get("v");
      if (!v.isIntegralNumber() || v.asLong() != Facts.VERSION) {
        throw new MalformedFactsException(
            "the probe result has facts version " + v + ", this prober reads " + Facts.VERSION);
      }
    }
    try {
      FactsSchema.check(tree);
    } catch (MalformedFactsException e) {
      throw new MalformedFactsException(
          "the probe result breaks the facts contract: " + e.getMessage());
    }
    try {
      return Reader.MAPPER.treeToValue(tree, Facts.class);
    } catch (JacksonException | IllegalArgumentException e) {
      throw new MalformedFactsException(
          "the probe result does not fit the facts contract: " + e.getMessage(), e);
    }
  }
}
