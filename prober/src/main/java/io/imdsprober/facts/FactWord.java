package io.imdsprober.facts;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A value word of the facts JSON contract. Enum constants map to their lower-case, hyphenated name:
 * {@code NOT_TRIED} is {@code "not-tried"}.
 */
public interface FactWord {
  /** The enum constant's name; implemented by every enum. */
  String name();

  /** The word used in the facts JSON. */
  @JsonValue
  default String word() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The constant of {@code type} whose word is {@code word}.
   *
   * @throws IllegalArgumentException naming the word and the accepted ones
   */
  static <E extends Enum<E> & FactWord> E parse(Class<E> type, String word) {
    StringBuilder accepted = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      if (e.word().equals(word)) {
        return e;
      }
      accepted.append(accepted.length() == 0 ? "" : "|").append(e.word());
    }
    throw new IllegalArgumentException("'" + word + "' is not one of " + accepted);
  }
}
