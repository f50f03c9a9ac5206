package io.imdsprober.util;

import java.nio.charset.StandardCharsets;

/** Text helpers for messages and reports that quote untrusted input. */
public final class Texts {
  /** Where {@link #clean} cut a text: one character, three bytes in UTF-8. */
  public static final String ELLIPSIS = "…";

  /** What {@link #clean} writes for a character that may not pass. */
  public static final char REPLACEMENT = '\uFFFD';

  private static final int ELLIPSIS_BYTES = ELLIPSIS.getBytes(StandardCharsets.UTF_8).length;

  /**
   * The Unicode general categories that pass {@link #clean}: letters, marks, numbers, punctuation,
   * symbols and the space separators. Everything else is refused: controls (C0, DEL, C1), format
   * characters (bidirectional overrides, zero-width characters), private use, unassigned code
   * points and non-characters (U+FFFE, U+FFFF, which XML 1.0 forbids), lone surrogates, and the
   * line and paragraph separators.
   */
  private static final long ALLOWED =
      bits(
          Character.UPPERCASE_LETTER,
          Character.LOWERCASE_LETTER,
          Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER,
          Character.OTHER_LETTER,
          Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK,
          Character.COMBINING_SPACING_MARK,
          Character.DECIMAL_DIGIT_NUMBER,
          Character.LETTER_NUMBER,
          Character.OTHER_NUMBER,
          Character.SPACE_SEPARATOR,
          Character.DASH_PUNCTUATION,
          Character.START_PUNCTUATION,
          Character.END_PUNCTUATION,
          Character.CONNECTOR_PUNCTUATION,
          Character.OTHER_PUNCTUATION,
          Character.INITIAL_QUOTE_PUNCTUATION,
          Character.FINAL_QUOTE_PUNCTUATION,
          Character.MATH_SYMBOL,
          Character.CURRENCY_SYMBOL,
          Character.MODIFIER_SYMBOL,
          Character.OTHER_SYMBOL);

  private Texts() {}

  /**
   * The text on one line (runs of white space folded), cleaned as {@link #clean} cleans it, and at
   * most {@code max} characters, with an ellipsis where it was cut (never between the two halves of
   * a surrogate pair): enough to name a problem in a log without repeating a hostile document of
   * megabytes. Null is {@code "null"}.
   */
  public static String abbreviate(String text, int max) {
    if (text == null) {
      return "null";
    }
    String oneLine = clean(text.replaceAll("\\s+", " ").strip(), Integer.MAX_VALUE);
    if (oneLine.length() <= max) {
      return oneLine;
    }
    int end = max > 0 && Character.isHighSurrogate(oneLine.charAt(max - 1)) ? max - 1 : max;
    return oneLine.substring(0, end) + ELLIPSIS;
  }

  /**
   * The text as any output may carry it, on one line and at most {@code maxBytes} bytes in UTF-8.
   * An allow-list: a code point passes when it is a letter, mark, number, punctuation, symbol or
   * space separator; a tab, line feed, carriage return, NEL or line/paragraph separator becomes a
   * space; anything else (controls, format characters, private use, unassigned code points and
   * non-characters, and a lone surrogate, that is invalid UTF-16) becomes {@link #REPLACEMENT}, so
   * the reader sees that something was there. A text over the bound is cut at a code point, never
   * inside one or between the halves of a surrogate pair, and ends with {@link #ELLIPSIS} (counted
   * in the bound). Null stays null (a JSON null stays null).
   *
   * @throws IllegalArgumentException when {@code maxBytes} leaves no room for the ellipsis
   */
  public static String clean(String text, int maxBytes) {
    if (maxBytes < ELLIPSIS_BYTES) {
      throw new IllegalArgumentException(
          "a bound of " + maxBytes + " bytes leaves no room for the ellipsis");
    }
    if (text == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), 1024));
    long bytes = 0;
    int keep = 0; // the output's length where an ellipsis still fits after it
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      int shown = shown(cp);
      int size = utf8Length(shown);
      if (bytes + size > maxBytes) {
        out.setLength(keep);
        return out.append(ELLIPSIS).toString();
      }
      out.appendCodePoint(shown);
      bytes += size;
      if (bytes <= maxBytes - ELLIPSIS_BYTES) {
        keep = out.length();
      }
    }
    return out.toString();
  }

  /** How many bytes the text takes in UTF-8 (a lone surrogate counted as the encoder's '?'). */
  public static int utf8Length(String text) {
    return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
  }

  private static int shown(int cp) {
    return switch (cp) {
      case '\t', '\n', '\r', 0x85, 0x2028, 0x2029 -> ' ';
      default -> (ALLOWED >>> Character.getType(cp) & 1L) != 0 ? cp : REPLACEMENT;
    };
  }

  private static int utf8Length(int cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }

  private static long bits(int... types) {
    long mask = 0;
    for (int t : types) {
      mask |= 1L << t;
    }
    return mask;
  }
}
