package io.imdsprober.policy.calico;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Calico's selector language: the documented examples parse, evaluate as documented and survive a
 * round trip through their canonical form; what libcalico-go refuses is refused with the parser's
 * own error; no input makes the parser throw anything else. Sources: [SEL]
 * docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors (the operator table and
 * its precedence example); [GO] projectcalico/calico libcalico-go/lib/selector (tokenizer.go,
 * parser.go, ast.go).
 */
class CalicoSelectorTest {
  static final Map<String, String> WEB = Map.of("app", "web", "role", "frontend", "env", "prod-1");

  static Stream<Arguments> documented() {
    return Stream.of(
        // [SEL] match operators
        Arguments.of("all()", Map.of(), true),
        Arguments.of("!all()", WEB, false),
        Arguments.of("global()", Map.of(), true),
        Arguments.of("role == 'frontend'", WEB, true),
        Arguments.of("role == \"frontend\"", Map.of(), false),
        Arguments.of("role != 'database'", WEB, true),
        // [SEL] k != 'v': "resources without label 'k' or with label 'k' and value not v"
        Arguments.of("tier != 'db'", WEB, true),
        Arguments.of("has(app)", WEB, true),
        Arguments.of("!has(app)", WEB, false),
        Arguments.of("role in { 'frontend', 'business' }", WEB, true),
        Arguments.of("role in {'business'}", WEB, false),
        Arguments.of("tier in {'a'}", WEB, false),
        // [SEL] not in: also without the label
        Arguments.of("tier not in {'a', 'b'}", WEB, true),
        Arguments.of("role not in {'frontend'}", WEB, false),
        Arguments.of("env contains 'od'", WEB, true),
        Arguments.of("env starts with 'prod'", WEB, true),
        Arguments.of("env ends with '-1'", WEB, true),
        Arguments.of("env ends with 'prod'", WEB, false),
        Arguments.of("projectcalico.org/namespace == \"default\"", Map.of(), false),
        // [SEL] precedence example: || lowest, then &&, then !
        Arguments.of(
            "! has(my-label) || my-label starts with 'prod' && role in {'frontend','business'}",
            WEB,
            true),
        Arguments.of(
            "! has(my-label) || my-label starts with 'prod' && role in {'frontend','business'}",
            Map.of("my-label", "prod-a", "role", "db"),
            false),
        Arguments.of("(app == 'web' || app == 'db') && !(env == 'x')", WEB, true),
        Arguments.of("", WEB, true),
        Arguments.of("   ", Map.of(), true));
  }

  @ParameterizedTest(name = "{0} on {1}: {2}")
  @MethodSource("documented")
  @DisplayName("documented selectors evaluate as documented, and so does their canonical form")
  void documentedExamples(String text, Map<String, String> labels, boolean matches) {
    CalicoSelector s = CalicoSelector.parse(text);
    assertThat(s.matches(labels)).isEqualTo(matches);
    CalicoSelector again = CalicoSelector.parse(s.toString());
    assertThat(again).isEqualTo(s);
    assertThat(again.matches(labels)).isEqualTo(matches);
  }

  @Test
  @DisplayName("the documented precedence example reads as the documented bracketing")
  void precedence() {
    CalicoSelector written =
        CalicoSelector.parse(
            "! has(my-label) || my-label starts with 'prod' && role in {'frontend','business'}");
    CalicoSelector bracketed =
        CalicoSelector.parse(
            "((!(has(my-label))) || ((my-label starts with 'prod') && (role in"
                + " {'frontend','business'})))");
    assertThat(written).isEqualTo(bracketed);
    assertThat(written.toString())
        .isEqualTo(
            "(!has(my-label) || (my-label starts with \"prod\" && role in {\"business\","
                + " \"frontend\"}))");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a = 'b'",
        "a == b",
        "a == 'b",
        "has()",
        "has(a",
        "(a == 'b'",
        "a == 'b')",
        "a in {'x'",
        "a in 'x'",
        "a & b",
        "a | b",
        "a starts 'x'",
        "a not 'x'",
        "a",
        "a == 'b' b == 'c'",
        "all",
        "&& a == 'b'",
        "!",
        "a == 'b' ||",
        "a ~= 'b'",
      })
  @DisplayName("what libcalico-go refuses does not parse, with the parser's own error")
  void refused(String text) {
    assertThatThrownBy(() -> CalicoSelector.parse(text))
        .isInstanceOf(CalicoSelector.Invalid.class)
        .hasMessageNotContaining("null");
  }

  @Test
  @DisplayName("deep nesting is refused, not a stack overflow")
  void deepNesting() {
    String deep = "(".repeat(5000) + "a == 'b'" + ")".repeat(5000);
    assertThatThrownBy(() -> CalicoSelector.parse(deep))
        .isInstanceOf(CalicoSelector.Invalid.class)
        .hasMessageContaining("nested deeper");
    String bangs = "!".repeat(100_001);
    assertThatThrownBy(() -> CalicoSelector.parse(bangs + "all()"))
        .isInstanceOf(CalicoSelector.Invalid.class)
        .hasMessageContaining("longer than");
    assertThat(CalicoSelector.parse("!".repeat(1001) + "all()").matches(Map.of())).isFalse();
  }

  @Test
  @DisplayName("three-valued: a selector reading an unknown label is undecided only if it matters")
  void unknownLabels() {
    CalicoSelector s = CalicoSelector.parse("app == 'web' && pcsa.team == 'a'");
    assertThat(s.test(Map.of("app", "web"), k -> k.startsWith("pcsa."))).isNull();
    assertThat(s.test(Map.of("app", "db"), k -> k.startsWith("pcsa."))).isFalse();
    CalicoSelector or = CalicoSelector.parse("app == 'web' || pcsa.team == 'a'");
    assertThat(or.test(Map.of("app", "web"), k -> k.startsWith("pcsa."))).isTrue();
    assertThat(or.keys()).containsExactlyInAnyOrder("app", "pcsa.team");
  }

  // --- property: any input parses or fails with the parser's own error ---

  @Provide
  Arbitrary<String> selectorish() {
    Arbitrary<String> pieces =
        Arbitraries.of(
            "a",
            "b.c/d",
            " ",
            "==",
            "!=",
            "!",
            "&&",
            "||",
            "(",
            ")",
            "{",
            "}",
            ",",
            "'x'",
            "\"y\"",
            "'",
            "\"",
            "in",
            "not in",
            "not",
            "has(",
            "has(a)",
            "all()",
            "global()",
            "contains",
            "starts with",
            "ends with",
            "starts",
            "=",
            "&",
            "|",
            "\t",
            "é",
            "\u0000");
    return pieces.list().ofMaxSize(25).map(l -> String.join("", l));
  }

  @Property(tries = 3000)
  void parsesOrFailsWithItsOwnError(@ForAll("selectorish") String text) {
    CalicoSelector s;
    try {
      s = CalicoSelector.parse(text);
    } catch (CalicoSelector.Invalid expected) {
      return;
    }
    CalicoSelector again = CalicoSelector.parse(s.toString());
    assertThat(again).isEqualTo(s);
    for (Map<String, String> labels :
        List.of(Map.<String, String>of(), Map.of("a", "x"), Map.of("a", "y", "b.c/d", "x"))) {
      assertThat(again.matches(labels)).isEqualTo(s.matches(labels));
    }
  }

  @Property(tries = 2000)
  void arbitraryTextNeverThrowsAnythingElse(@ForAll String text) {
    try {
      CalicoSelector.parse(text);
    } catch (CalicoSelector.Invalid expected) {
      // its own error
    }
  }

  @Provide
  Arbitrary<String> wellFormed() {
    Arbitrary<String> leaf =
        Arbitraries.of(
            "a == 'x'",
            "a != 'y'",
            "has(b.c/d)",
            "a in {'x', 'y'}",
            "a not in {'x'}",
            "all()",
            "a contains 'x'",
            "a starts with 'x'",
            "a ends with 'y'");
    return Combinators.combine(leaf, leaf, leaf, Arbitraries.of(" && ", " || "))
        .as((x, y, z, op) -> "!(" + x + op + y + ") || " + z);
  }

  @Property(tries = 500)
  void wellFormedRoundTrips(@ForAll("wellFormed") String text) {
    CalicoSelector s = CalicoSelector.parse(text);
    assertThat(CalicoSelector.parse(s.toString())).isEqualTo(s);
  }
}
