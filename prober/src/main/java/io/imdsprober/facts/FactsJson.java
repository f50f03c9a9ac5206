package io.imdsprober.facts;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
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
            .build();
  }

  /** The compact JSON of the facts, on one line, fields in the contract's order. */
  public static String write(Facts facts) {
    return FactsWriter.write(facts);
  }

  /**
   * Parses facts JSON as written by any agent of this contract version.
   *
   * @throws MalformedFactsException naming what is wrong
   */
  public static Facts read(String json) {
    if (json == null || json.isBlank()) {
      throw new MalformedFactsException("the probe result is empty");
    }
    Facts facts;
    try {
      facts = Reader.MAPPER.readValue(json, Facts.class);
    } catch (JacksonException e) {
      throw new MalformedFactsException(
          "the probe result is not valid facts JSON: " + e.getOriginalMessage(), e);
    }
    if (facts == null) {
      throw new MalformedFactsException("the probe result is JSON null");
    }
    if (facts.v() != Facts.VERSION) {
      throw new MalformedFactsException(
          "the probe result has facts version "
              + facts.v()
              + ", this prober reads "
              + Facts.VERSION);
    }
    return facts;
  }
}
