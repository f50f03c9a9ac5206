package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.imdsprober.cli.LogConfigurator;
import io.imdsprober.policy.Comparison;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.WorkloadReach;
import io.imdsprober.report.Bounds;
import io.imdsprober.report.JsonReport;
import io.imdsprober.report.JunitReport;
import io.imdsprober.report.NamespaceEvents;
import io.imdsprober.report.OpenReportsYaml;
import io.imdsprober.report.TableReport;
import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Failure;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;
import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * What the on-call engineer sees when a tenant writes the strings: a probe's facts (DNS names,
 * egress URLs, error texts), an error's detail (a pod status message, an API server's answer), a
 * policy's names and a workload's labels carry control characters, invalid UTF-16 (lone
 * surrogates), format characters and 64 KiB runs. Each try builds a sweep result the way the sweep
 * does ({@link ResultReader} from the termination message, {@link NamespaceResult#failed} for an
 * error), and every output is parsed back by a real parser: Jackson for the JSON report, a DOM
 * parser for JUnit, Jackson YAML for OpenReports, the table by its lines, each Event as the mock
 * API server stored it and its log line. Each parses, stays within its bound, carries no control
 * character or lone surrogate, and still names each namespace with its verdict.
 */
class HostileStringsPropertyTest {
  static final String POD = "imds-probe-20261127-101010-abcd-xyzzy";
  static final ResultReader.Plan PLAN =
      new ResultReader.Plan(
          List.of(ProbeFacts.IMDS, ProbeFacts.IMDS6, ProbeFacts.POD_IDENTITY),
          node -> Map.of(ProbeFacts.POD_IDENTITY, "EKS Pod Identity"),
          Expectations.DEFAULT);

  /** The metadata states of a facts document and the verdict each must still give. */
  static final Map<String, String> STATES =
      Map.of(
          "timeout", "protected",
          "connected-200", "exposed",
          "connected-401", "reachable");

  static final JsonMapper JSON = JsonMapper.builder().build();
  static final AtomicInteger SWEEPS = new AtomicInteger();

  MockCluster cluster;

  @BeforeProperty
  void startCluster() {
    cluster = new MockCluster();
  }

  @AfterProperty
  void stopCluster() {
    cluster.close();
    LogConfigurator.useFormat("text");
  }

  // ---- generators

  static final String[] NASTY = {
    "\u0000",
    "\u0007",
    "\n",
    "\r",
    "\t",
    "\u000b",
    "\u001b[31m",
    "\u007f",
    "\u0080",
    "\u0085",
    "\u009b",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\ud800",
    "\udbff",
    "\udc00",
    "\udfff",
    "\uD83D\uDE00",
    "é",
    "東",
    "<",
    "&",
    "\"",
    "'",
    "]]>",
    "\\",
    ": ",
    "- ",
    "#",
    "{",
    "%",
    "*",
    "!!"
  };

  /** A short string of printable text and the characters outputs must not carry. */
  static Arbitrary<String> hostile(int pieces) {
    Arbitrary<String> piece =
        Arbitraries.oneOf(
            Arbitraries.strings().alpha().numeric().ofMaxLength(6),
            Arbitraries.of(NASTY),
            Arbitraries.of(NASTY),
            Arbitraries.strings().all().ofMaxLength(3));
    return piece.list().ofMaxSize(pieces).map(l -> String.join("", l));
  }

  /** A hostile string, often with a 64 KiB run of one character (controls and halves included). */
  static Arbitrary<String> heavy() {
    Arbitrary<String> run =
        Arbitraries.of("A", "\u0000", "\ud800", "\udc00", "é", "\uD83D\uDE00", "\n", "\u202e")
            .map(s -> s.repeat(64 * 1024 / s.length()));
    return Arbitraries.oneOf(
        hostile(20),
        net.jqwik.api.Combinators.combine(hostile(5), run, hostile(5)).as((a, b, c) -> a + b + c));
  }

  /** A valid namespace name (the API server admits nothing else): a DNS label. */
  static Arbitrary<String> namespace() {
    return Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(1).ofMaxLength(50);
  }

  record Hostile(
      String ns,
      String state,
      String dnsName,
      String server,
      String url,
      List<String> errors,
      String failure,
      String detail,
      String message,
      List<String> policyStrings,
      Map<String, String> labels,
      boolean json) {}

  @Provide
  Arbitrary<Hostile> inputs() {
    return net.jqwik.api.Combinators.combine(
            List.<Arbitrary<Object>>of(
                namespace().asGeneric(),
                Arbitraries.of(STATES.keySet()).asGeneric(),
                hostile(12).asGeneric(),
                hostile(6).asGeneric(),
                hostile(12).asGeneric(),
                hostile(8).list().ofMaxSize(3).asGeneric(),
                Arbitraries.of(Failure.TAMPERED, Failure.API_ERROR, Failure.EVICTED).asGeneric(),
                heavy().asGeneric(),
                heavy().asGeneric(),
                heavy().list().ofMinSize(4).ofMaxSize(4).asGeneric(),
                Arbitraries.maps(heavy(), heavy()).ofMaxSize(3).asGeneric(),
                Arbitraries.of(true, false).asGeneric()))
        .as(
            v -> {
              @SuppressWarnings("unchecked")
              Hostile h =
                  new Hostile(
                      (String) v.get(0),
                      (String) v.get(1),
                      (String) v.get(2),
                      (String) v.get(3),
                      (String) v.get(4),
                      (List<String>) v.get(5),
                      (String) v.get(6),
                      (String) v.get(7),
                      (String) v.get(8),
                      (List<String>) v.get(9),
                      (Map<String, String>) v.get(10),
                      (Boolean) v.get(11));
              return h;
            });
  }

  // ---- the sweep result, as the sweep makes it

  /** A JSON string literal as a tenant writes it: every non-ASCII or control char escaped. */
  static String literal(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  static String facts(Hostile h) {
    String metadata =
        switch (h.state()) {
          case "connected-200" ->
              ProbeFacts.metadata(ProbeFacts.IMDS, "http", "connected", 200, "not-tried");
          case "connected-401" ->
              ProbeFacts.metadata(ProbeFacts.IMDS, "http", "connected", 401, "timeout");
          default -> ProbeFacts.metadata(ProbeFacts.IMDS, "http", "timeout", null, "not-tried");
        };
    String doc =
        ProbeFacts.facts("ok", "ok", metadata)
            .replace("\"kubernetes.default.svc.cluster.local\"", literal(h.dnsName()))
            .replace("\"10.96.0.10:53\"", literal(h.server()))
            .replace("\"https://example.com/\"", literal(h.url()))
            .replace(
                "\"errors\":[]",
                "\"errors\":["
                    + h.errors().stream()
                        .map(e -> literal("x" + e))
                        .collect(Collectors.joining(","))
                    + "]")
            .replace(ProbeFacts.POD_FIELD, "\"pod\":\"" + POD + "\"");
    return doc;
  }

  static ResultReader.Output output(String text) {
    return new ResultReader.Output(POD, "node-1", text, "termination message", 0);
  }

  static SweepResult sweep(Hostile h, String id) {
    List<NamespaceResult> all = new ArrayList<>();
    // facts whose strings are the tenant's
    all.add(ResultReader.read("f-" + h.ns(), PLAN, output(facts(h))));
    // an error whose detail is the tenant's (a pod status message, an API answer)
    all.add(NamespaceResult.failed("d-" + h.ns(), new Failure(h.failure(), h.detail())));
    // a termination message that is not facts at all
    all.add(ResultReader.read("m-" + h.ns(), PLAN, output(h.message())));
    // a policy prediction whose names and labels are the tenant's
    NamespaceResult judged = ResultReader.read("p-" + h.ns(), PLAN, output(facts(h)));
    List<String> p = h.policyStrings();
    Comparison c =
        new Comparison(
            Set.of(Comparison.Drift.INVALID),
            List.of(p.get(0)),
            false,
            List.of(p.get(1)),
            Outcome.DENIED,
            List.of(p.get(2)),
            List.of(),
            List.of(
                new WorkloadReach(
                    p.get(3),
                    p.get(0),
                    List.of(
                        new WorkloadReach.LabelSet(
                            h.labels(), false, List.of("169.254.169.254:80/TCP"), p)))),
            List.of(p.get(1) + ": " + p.get(2)),
            List.of("NetworkPolicy " + p.get(0) + " over policy.maxPeersPerPolicy=5000"));
    all.add(judged.withPolicy(judged.judgement(), c).withPool(p.get(3)));
    return new SweepResult(id, Instant.parse("2026-11-27T10:10:10Z"), 1234, all, null);
  }

  // ---- the property

  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  void everyOutputSurvivesHostileStrings(@ForAll("inputs") Hostile h) throws Exception {
    String id = "20261127-101010-" + SWEEPS.incrementAndGet();
    SweepResult sweep = sweep(h, id);
    Map<String, String> verdicts = new java.util.LinkedHashMap<>();
    sweep.namespaces().forEach(r -> verdicts.put(r.namespace(), r.judgement().verdict().word()));
    // the tenant's strings changed no verdict
    assertThat(verdicts)
        .containsEntry("f-" + h.ns(), STATES.get(h.state()))
        .containsEntry("p-" + h.ns(), STATES.get(h.state()))
        .containsEntry("d-" + h.ns(), "error")
        .containsEntry("m-" + h.ns(), "error");

    Statistics.label("64 KiB run").collect(h.detail().length() > 60_000);
    Statistics.label("lone surrogate in facts")
        .collect(
            (h.dnsName() + h.url() + h.server())
                .chars()
                .anyMatch(c -> Character.isSurrogate((char) c)));
    checkJson(JsonReport.render(sweep), verdicts);
    checkJunit(sweep, verdicts);
    checkYaml(OpenReportsYaml.render(sweep, ""), verdicts);
    checkTable(TableReport.render(sweep), verdicts);
    checkEvents(sweep, h.json());
  }

  void checkJson(String json, Map<String, String> verdicts) throws Exception {
    JsonNode root = JSON.readTree(strictUtf8("JSON report", json));
    Map<String, String> seen = new java.util.LinkedHashMap<>();
    for (JsonNode n : root.get("namespaces")) {
      seen.put(n.get("namespace").asString(), n.get("verdict").asString());
      assertThat(utf8(n.get("detail").asString())).isLessThanOrEqualTo(Bounds.DETAIL);
      assertThat(utf8(n.get("reason").asString())).isLessThanOrEqualTo(Bounds.DETAIL);
      if (!n.get("facts").isNull()) {
        walk("JSON facts", n.get("facts"), Bounds.FACT);
      }
    }
    assertThat(seen).containsExactlyEntriesOf(verdicts);
    walk("JSON report", root, Bounds.DETAIL);
  }

  /** Every name and string value: clean, and at most {@code max} bytes. */
  static void walk(String where, JsonNode node, int max) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        assertClean(where + " key", e.getKey(), false);
        assertThat(utf8(e.getKey())).isLessThanOrEqualTo(max);
        walk(where, e.getValue(), max);
      }
    } else if (node.isArray()) {
      for (JsonNode e : node) {
        walk(where, e, max);
      }
    } else if (node.isString()) {
      assertClean(where, node.asString(), false);
      assertThat(utf8(node.asString())).isLessThanOrEqualTo(max);
    }
  }

  void checkJunit(SweepResult sweep, Map<String, String> verdicts) throws Exception {
    Path file = Files.createTempFile("junit", ".xml");
    try {
      JunitReport.write(sweep, file);
      byte[] bytes = Files.readAllBytes(file);
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
      NodeList cases = doc.getElementsByTagName("testcase");
      Map<String, String> seen = new java.util.LinkedHashMap<>();
      for (int i = 0; i < cases.getLength(); i++) {
        Element tc = (Element) cases.item(i);
        String out = tc.getElementsByTagName("system-out").item(0).getTextContent();
        seen.put(tc.getAttribute("name"), out.substring(0, out.indexOf(':')));
        String verdict = verdicts.get(tc.getAttribute("name"));
        assertThat(tc.getElementsByTagName("error").getLength())
            .isEqualTo(verdict.equals("error") ? 1 : 0);
        assertThat(tc.getElementsByTagName("failure").getLength())
            .isEqualTo(verdict.equals("exposed") ? 1 : 0);
      }
      assertThat(seen).containsExactlyEntriesOf(verdicts);
      walkXml(doc.getDocumentElement());
    } finally {
      Files.delete(file);
    }
  }

  static void walkXml(Node node) {
    NamedNodeMap attrs = node.getAttributes();
    for (int i = 0; attrs != null && i < attrs.getLength(); i++) {
      Attr a = (Attr) attrs.item(i);
      assertClean("JUnit attribute " + a.getName(), a.getValue(), false);
      assertThat(utf8(a.getValue())).isLessThanOrEqualTo(2 * Bounds.DETAIL + 64);
    }
    for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
      if (c.getNodeType() == Node.TEXT_NODE) {
        // the writer's own line feeds (indentation, message then facts) are the only ones
        assertClean("JUnit text", c.getNodeValue(), true);
        assertThat(utf8(c.getNodeValue())).isLessThanOrEqualTo(Bounds.DETAIL + 8 * 1024);
      } else {
        walkXml(c);
      }
    }
  }

  void checkYaml(String yaml, Map<String, String> verdicts) throws Exception {
    JsonNode list = new YAMLMapper().readTree(strictUtf8("OpenReports YAML", yaml));
    Map<String, String> seen = new java.util.LinkedHashMap<>();
    for (JsonNode report : list.get("items")) {
      String ns = report.at("/metadata/namespace").asString();
      assertThat(report.at("/scope/name").asString()).isEqualTo(ns);
      for (JsonNode result : report.get("results")) {
        seen.put(ns, result.at("/properties/verdict").asString());
        assertThat(utf8(result.get("message").asString())).isLessThanOrEqualTo(Bounds.DETAIL);
      }
    }
    assertThat(seen).containsExactlyEntriesOf(verdicts);
    walk("OpenReports", list, Bounds.DETAIL);
  }

  static void checkTable(String table, Map<String, String> verdicts) throws Exception {
    strictUtf8("table", table);
    assertClean("table", table, true);
    List<String> lines = table.lines().toList();
    // a header, one row per namespace, a blank line, the counts: no row added by a tenant
    assertThat(lines).hasSize(verdicts.size() + 3);
    Map<String, String> seen = new java.util.LinkedHashMap<>();
    for (String row : lines.subList(1, verdicts.size() + 1)) {
      String[] cells = row.split("\\s+");
      seen.put(cells[0], cells[1]);
    }
    assertThat(seen).containsExactlyEntriesOf(verdicts);
  }

  void checkEvents(SweepResult sweep, boolean jsonLogs) throws Exception {
    NamespaceEvents events = new NamespaceEvents(cluster.admin, Clock.systemUTC(), "test");
    PrintStream err = System.err;
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    try {
      LogConfigurator.useFormat(jsonLogs ? "json" : "text");
      for (NamespaceResult r : sweep.namespaces()) {
        events.publish(sweep.id(), r);
      }
    } finally {
      System.setErr(err);
      LogConfigurator.useFormat("text");
    }
    for (NamespaceResult r : sweep.namespaces()) {
      List<Event> stored =
          cluster.admin.v1().events().inNamespace(r.namespace()).list().getItems().stream()
              .filter(e -> e.getMessage().contains("(sweep " + sweep.id() + ")"))
              .toList();
      String verdict = r.judgement().verdict().word();
      boolean expected = verdict.equals("error") || verdict.equals("exposed");
      assertThat(stored).as("events of %s (%s)", r.namespace(), verdict).hasSize(expected ? 1 : 0);
      for (Event e : stored) {
        assertThat(e.getInvolvedObject().getName()).isEqualTo(r.namespace());
        assertThat(utf8(e.getMessage())).isLessThanOrEqualTo(Bounds.EVENT_MESSAGE);
        assertClean("Event message", e.getMessage(), false);
      }
    }
    String logged = strictUtf8Text(logs.toByteArray());
    List<String> eventLines = logged.lines().filter(l -> l.contains(": event ")).toList();
    // one line per event: a line feed in a detail forged no other line
    assertThat(eventLines)
        .hasSize(
            (int)
                sweep.namespaces().stream()
                    .filter(
                        r -> Set.of("error", "exposed").contains(r.judgement().verdict().word()))
                    .count());
    for (String line : eventLines) {
      assertClean("log line", line, false);
      if (jsonLogs) {
        assertThat(JSON.readTree(line).get("formattedMessage").asString()).contains(": event ");
      }
    }
  }

  // ---- checks

  static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** The text as UTF-8, refusing a lone surrogate rather than writing '?' for it. */
  static byte[] strictUtf8(String where, String text) throws CharacterCodingException {
    try {
      ByteBuffer b =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(text));
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new AssertionError(where + " is not valid UTF-16: " + e, e);
    }
  }

  static String strictUtf8Text(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  /**
   * No C0 control (a line feed only where the output itself writes one), no DEL or C1 control, no
   * lone surrogate, no U+FFFE/U+FFFF, no line or paragraph separator, no bidirectional override.
   */
  static void assertClean(String where, String s, boolean lineFeeds) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
        continue;
      }
      boolean bad =
          c < 0x20 && !(lineFeeds && c == '\n')
              || c >= 0x7f && c <= 0x9f
              || Character.isSurrogate(c)
              || c == 0xfffe
              || c == 0xffff
              || c == 0x2028
              || c == 0x2029
              || c == 0x202e;
      assertThat(bad)
          .as("%s carries U+%04X at %d: %s", where, (int) c, i, abbreviated(s))
          .isFalse();
    }
  }

  static String abbreviated(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "…";
  }
}
