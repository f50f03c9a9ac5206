package io.imdsprober.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the on-call engineer sees of a tenant's strings: every output carries them through {@link
 * Texts#clean}, so no control character, no invalid UTF-16 and no unbounded run gets through.
 */
class TextsTest {
  static final String R = String.valueOf(Texts.REPLACEMENT);

  static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  @DisplayName("C0 controls, DEL and C1 controls are replaced; tab, CR, LF, NEL become spaces")
  void controls() {
    assertThat(Texts.clean("a\u0000b\u0007c\u001bd", 100))
        .isEqualTo("a" + R + "b" + R + "c" + R + "d");
    assertThat(Texts.clean("x\u007fy\u0080z\u009b", 100)).isEqualTo("x" + R + "y" + R + "z" + R);
    assertThat(Texts.clean("one\ntwo\r\nthree\tfour\u0085five", 100))
        .isEqualTo("one two  three four five");
    assertThat(Texts.clean("para\u2028line\u2029end", 100)).isEqualTo("para line end");
  }

  @Test
  @DisplayName("XML 1.0's forbidden non-characters U+FFFE and U+FFFF are replaced")
  void nonCharacters() {
    assertThat(Texts.clean("a\uFFFEb\uFFFFc", 100)).isEqualTo("a" + R + "b" + R + "c");
  }

  @Test
  @DisplayName("format characters (a right-to-left override, zero-width space, BOM) are replaced")
  void formatCharacters() {
    assertThat(Texts.clean("evil\u202Etxt.exe\u200B\uFEFF", 100))
        .isEqualTo("evil" + R + "txt.exe" + R + R);
  }

  @Test
  @DisplayName("lone surrogates (invalid UTF-16) become U+FFFD; a valid pair is kept whole")
  void surrogates() {
    assertThat(Texts.clean("a\uD800b", 100)).isEqualTo("a" + R + "b");
    assertThat(Texts.clean("a\uDC00b", 100)).isEqualTo("a" + R + "b");
    assertThat(Texts.clean("end\uD83D", 100)).isEqualTo("end" + R);
    assertThat(Texts.clean("\uDE00\uD83D", 100)).isEqualTo(R + R);
    assertThat(Texts.clean("ok \uD83D\uDE00", 100)).isEqualTo("ok \uD83D\uDE00");
  }

  @Test
  @DisplayName("letters, marks, digits, punctuation and symbols of every script pass unchanged")
  void printable() {
    String text = "team-a_1.2 ns/policy: Zürich 東京 €5 ≥ 3 ‹é› ×";
    assertThat(Texts.clean(text, 1000)).isEqualTo(text);
  }

  @Test
  @DisplayName("the bound is in UTF-8 bytes, ellipsis included, and a 64 KiB run is cut to it")
  void byteBound() {
    String run = "A".repeat(64 * 1024);
    String cut = Texts.clean(run, 1024);
    assertThat(bytes(cut)).isEqualTo(1024);
    assertThat(cut).endsWith(Texts.ELLIPSIS).startsWith("AAAA");
    assertThat(Texts.clean("A".repeat(1024), 1024)).isEqualTo("A".repeat(1024));
  }

  @Test
  @DisplayName("a cut at a multi-byte boundary drops the whole code point, never half of it")
  void multiByteBoundary() {
    // 'é' is 2 bytes: 10 bytes of bound = 3 'é' (6) + ellipsis (3) = 9, the 4th 'é' would be 11
    assertThat(Texts.clean("éééééé", 10)).isEqualTo("ééé" + Texts.ELLIPSIS);
    // '東' is 3 bytes: 9 bytes hold 2 of them and the ellipsis
    assertThat(Texts.clean("東東東東", 9)).isEqualTo("東東" + Texts.ELLIPSIS);
    // exactly at the bound: no cut
    assertThat(Texts.clean("東東東", 9)).isEqualTo("東東東");
  }

  @Test
  @DisplayName("a surrogate pair (4 bytes) is kept whole or dropped whole at the cut")
  void pairAtTheCut() {
    String smiles = "\uD83D\uDE00".repeat(10);
    for (int bound = 3; bound <= 20; bound++) {
      String cut = Texts.clean(smiles, bound);
      assertThat(bytes(cut)).isLessThanOrEqualTo(bound);
      assertThat(cut.substring(0, cut.length() - 1).codePoints()).allMatch(cp -> cp == 0x1F600);
      assertThat(cut).endsWith(Texts.ELLIPSIS);
    }
    assertThat(Texts.clean(smiles, 11)).isEqualTo("\uD83D\uDE00\uD83D\uDE00" + Texts.ELLIPSIS);
  }

  @Test
  @DisplayName("replacements count in the bound (U+FFFD is 3 bytes where a control was 1)")
  void replacementsCount() {
    String cut = Texts.clean("\u0000".repeat(100), 30);
    assertThat(bytes(cut)).isLessThanOrEqualTo(30);
    assertThat(cut).isEqualTo(R.repeat(9) + Texts.ELLIPSIS);
  }

  @Test
  @DisplayName("null stays null; a bound with no room for the ellipsis is a programming error")
  void nullAndBadBound() {
    assertThat(Texts.clean(null, 10)).isNull();
    assertThat(Texts.clean("", 10)).isEmpty();
    assertThatThrownBy(() -> Texts.clean("x", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 bytes");
  }

  @Test
  @DisplayName("abbreviate folds white space, replaces controls and never splits a surrogate pair")
  void abbreviate() {
    assertThat(Texts.abbreviate(null, 5)).isEqualTo("null");
    assertThat(Texts.abbreviate("  a \n\t b\u0007 ", 50)).isEqualTo("a b" + R);
    assertThat(Texts.abbreviate("ab\uD83D\uDE00cd", 3)).isEqualTo("ab" + Texts.ELLIPSIS);
    assertThat(Texts.abbreviate("ab\uD800cd", 3)).isEqualTo("ab" + R + Texts.ELLIPSIS);
    assertThat(Texts.abbreviate("abcdef", 3)).isEqualTo("abc" + Texts.ELLIPSIS);
  }
}
