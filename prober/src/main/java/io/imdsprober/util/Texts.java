package io.imdsprober.util;

/** Text helpers for messages that quote untrusted input. */
public final class Texts {
  private Texts() {}

  /**
   * The text on one line (runs of white space folded) and at most {@code max} characters, with an
   * ellipsis where it was cut: enough to name a problem in a log without repeating a hostile
   * document of megabytes. Null stays {@code null}.
   */
  public static String abbreviate(String text, int max) {
    if (text == null) {
      return "null";
    }
    String oneLine = text.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "…";
  }
}
