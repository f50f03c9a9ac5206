package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Judge;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Every document a probe pod can write is untrusted input. For thousands of generated facts
 * documents, and as many mutated ones (cut, keys doubled or dropped, integers made floats, words
 * changed, garbage spliced in), reading, accepting and judging them returns a result and never
 * throws; and a namespace is {@code protected} only when the facts name the pod, answer every
 * planned target exactly once, and each is blocked or served by the platform.
 */
class ResultReaderPropertyTest {
  static final String POD = "imds-probe-20261127-101010-abcd-xyzzy";
  static final List<String> PLANNED =
      List.of(ProbeFacts.IMDS, ProbeFacts.IMDS6, ProbeFacts.POD_IDENTITY);
  static final ResultReader.Plan PLAN =
      new ResultReader.Plan(
          PLANNED,
          node -> Map.of(ProbeFacts.POD_IDENTITY, "EKS Pod Identity"),
          Expectations.DEFAULT);

  static final String[] TCP = {"timeout", "refused", "unreachable", "connected", "error", "open"};
  static final String[] TOKEN = {"obtained", "timeout", "refused", "not-tried", "error"};
  static final String[] DNS = {"ok", "nxdomain", "servfail", "timeout", "refused", "error"};
  static final String[] EGRESS = {"ok", "dns", "timeout", "refused", "unreachable", "tls", "error"};

  /** Mostly the words of a working default-deny namespace, so every verdict is reached. */
  static Arbitrary<String> likely(String usual, String[] all) {
    return Arbitraries.oneOf(Arbitraries.just(usual), Arbitraries.just(usual), Arbitraries.of(all));
  }

  static Arbitrary<String> tcp() {
    return Arbitraries.oneOf(
        Arbitraries.of("timeout", "refused", "unreachable"), Arbitraries.of(TCP));
  }

  static NamespaceResult read(String text) {
    return ResultReader.read(
        "team", PLAN, new ResultReader.Output(POD, "node-1", text, "termination message", 0));
  }

  @Provide
  Arbitrary<String> documents() {
    Arbitrary<String> entry =
        Combinators.combine(
                Arbitraries.of(
                    ProbeFacts.IMDS, ProbeFacts.IMDS6, ProbeFacts.POD_IDENTITY, "10.0.0.1:1"),
                Arbitraries.of("http", "tcp"),
                Arbitraries.of(TCP),
                Arbitraries.of(200, 401, 403, 404, 500).injectNull(0.4),
                Arbitraries.of(TOKEN))
            .as(ProbeFacts::metadata);
    Arbitrary<List<String>> metadata =
        Arbitraries.oneOf(
            // the plan answered, each target once, in some order and state
            Combinators.combine(
                    tcp(),
                    tcp(),
                    tcp(),
                    Arbitraries.of(200, 401, 403).injectNull(0.5),
                    Arbitraries.of(TOKEN))
                .as(
                    (a, b, c, http, token) ->
                        List.of(
                            ProbeFacts.metadata(ProbeFacts.IMDS, "http", a, http, token),
                            ProbeFacts.metadata(ProbeFacts.IMDS6, "http", b, http, token),
                            ProbeFacts.metadata(ProbeFacts.POD_IDENTITY, "tcp", c, null, token))),
            // anything: targets missing, doubled, unplanned
            entry.list().ofMaxSize(5));
    Arbitrary<String> pod = Arbitraries.of(POD, POD, POD, "web-0", "");
    return Combinators.combine(metadata, likely("ok", DNS), likely("ok", EGRESS), pod)
        .as(
            (md, dns, egress, p) ->
                ProbeFacts.exactly(dns, egress, md.toArray(String[]::new))
                    .replace(ProbeFacts.POD_FIELD, "\"pod\":\"" + p + "\""));
  }

  /** A document changed the ways a broken or hostile writer changes one. */
  @Provide
  Arbitrary<String> mutated() {
    return Combinators.combine(
            documents(),
            Arbitraries.integers().between(0, 11),
            Arbitraries.integers().between(0, 5000),
            Arbitraries.integers().between(0, 5000),
            Arbitraries.strings().ofMaxLength(12))
        .as(ResultReaderPropertyTest::mutate);
  }

  static String mutate(String doc, int how, int a, int b, String junk) {
    int i = Math.min(a, doc.length());
    int j = Math.min(Math.max(i, b), doc.length());
    return switch (how) {
      case 0 -> doc.substring(0, i); // cut short
      case 1 -> doc.substring(0, i) + doc.substring(j); // a range dropped
      case 2 -> doc.substring(0, i) + junk + doc.substring(i); // garbage spliced in
      case 3 -> doc.replaceFirst("\"tcp\":", "\"tcp\":\"connected\",\"tcp\":"); // a key twice
      case 4 -> doc.replaceFirst("\"connectMs\":3", "\"connectMs\":1.9"); // float for an integer
      case 5 -> doc.replaceFirst("\"attempts\":1", "\"attempts\":2.5e2");
      case 6 -> doc.replaceFirst(",\"token\":\"[a-z-]+\"", ""); // a required field dropped
      case 7 -> doc.replaceFirst("\"http\":(null|\\d+)", "\"http\":\"200\""); // a string number
      case 8 -> doc.replaceFirst("\"metadata\":\\[", "\"metadata\":[null,"); // a null entry
      case 9 -> doc.replace("\"errors\":[]", "\"errors\":[\"cut to fit 4096 bytes: x\"]");
      case 10 -> doc.replaceFirst("\"v\":1", "\"v\":" + junk.length()); // another version
      default ->
          doc.replaceFirst(
              "\"metadata\":\\[[^\\]]*\\]", Matcher.quoteReplacement("\"metadata\":" + junk));
    };
  }

  @Example
  @Label("junk with regex replacement syntax ($, \\) is spliced in literally")
  void junkIsLiteral() {
    String doc = "{\"metadata\":[1]}";
    assertThat(mutate(doc, 11, 0, 0, "$1\\")).isEqualTo("{\"metadata\":$1\\}");
  }

  @Property(tries = 3000)
  @Label("generated documents: a result, never an exception; protected only on complete facts")
  void generated(@ForAll("documents") String doc) {
    check(doc);
    // the property is only worth something if the protected branch is reached, and errors too
    Statistics.label("verdict")
        .coverage(
            c -> {
              c.check(Verdict.PROTECTED).percentage(p -> p > 3);
              // rare by nature (about 0.6 %): a count, so that the check cannot flake on a noisy
              // draw
              c.check(Verdict.EXPOSED).count(n -> n >= 3);
              c.check(Verdict.ERROR).percentage(p -> p > 10);
            });
  }

  @Property(tries = 3000)
  @Label("mutated documents: a result, never an exception; protected only on complete facts")
  void mutatedDocuments(@ForAll("mutated") String doc) {
    check(doc);
    Statistics.label("verdict")
        .coverage(
            c -> {
              // about 0.3 % (a mutation that missed): at least one, reached every run
              c.check(Verdict.PROTECTED).count(n -> n >= 1);
              c.check(Verdict.ERROR).percentage(p -> p > 30);
            });
  }

  private static void check(String doc) {
    NamespaceResult r = read(doc);
    Statistics.label("verdict").collect(r.judgement().verdict());
    assertThat(r).isNotNull();
    assertThat(r.judgement()).isNotNull();
    if (r.judgement().verdict() == Verdict.ERROR && r.facts() == null) {
      assertThat(Failure.REASONS).contains(r.judgement().reason());
      assertThat(r.detail()).isNotBlank();
    }
    if (r.judgement().verdict() == Verdict.ERROR && r.facts() != null) {
      // facts that were accepted, but a judged target's connect could not be classified
      assertThat(r.judgement().reason()).isEqualTo(Judge.CHECK_ERROR);
    }
    if (r.judgement().verdict() == Verdict.PROTECTED) {
      Facts f = r.facts();
      assertThat(f.pod()).isEqualTo(POD);
      assertThat(f.node()).as("the node is the pod's, not the facts' word").isEqualTo("node-1");
      List<String> targets = new ArrayList<>();
      for (MetadataFact m : f.metadata()) {
        targets.add(m.target());
        if (!m.target().equals(ProbeFacts.POD_IDENTITY)) {
          assertThat(m.tcp()).isIn(TcpResult.TIMEOUT, TcpResult.REFUSED, TcpResult.UNREACHABLE);
        }
      }
      assertThat(targets).containsExactlyInAnyOrderElementsOf(PLANNED);
      assertThat(f.errors()).noneMatch(e -> e.startsWith(Facts.CUT_PREFIX));
    }
  }
}
