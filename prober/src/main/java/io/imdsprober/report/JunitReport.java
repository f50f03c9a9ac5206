package io.imdsprober.report;

import io.imdsprober.facts.FactsJson;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.verdict.Verdict;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * {@code --junit FILE}: one test case per namespace, so CI systems show a sweep like a test run. An
 * exposed namespace (unless its annotation expects metadata reachable) is a failure; an error is an
 * error; skipped is skipped; every other verdict passes with its reason in system-out. Every
 * untrusted string is cleaned and bounded ({@link Bounds}): the JDK's writer escapes markup but
 * writes a control character as it is, which no XML 1.0 parser reads.
 */
public final class JunitReport {
  private JunitReport() {}

  public static void write(SweepResult result, Path file) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(w);
      long failures = result.namespaces().stream().filter(JunitReport::failed).count();
      long errors =
          result.namespaces().stream()
              .filter(r -> r.judgement().verdict() == Verdict.ERROR)
              .count();
      long skipped =
          result.namespaces().stream()
              .filter(r -> r.judgement().verdict() == Verdict.SKIPPED)
              .count();
      x.writeStartDocument("UTF-8", "1.0");
      x.writeCharacters("\n");
      x.writeStartElement("testsuite");
      x.writeAttribute("name", "imds-prober sweep " + Bounds.name(result.id()));
      x.writeAttribute("tests", String.valueOf(result.namespaces().size()));
      x.writeAttribute("failures", String.valueOf(failures));
      x.writeAttribute("errors", String.valueOf(errors));
      x.writeAttribute("skipped", String.valueOf(skipped));
      x.writeAttribute("time", seconds(result.durationMs()));
      x.writeAttribute("timestamp", result.started().toString());
      for (NamespaceResult r : result.namespaces()) {
        x.writeCharacters("\n  ");
        x.writeStartElement("testcase");
        x.writeAttribute("classname", "imds-prober");
        x.writeAttribute("name", Bounds.name(r.namespace()));
        x.writeAttribute("time", r.facts() == null ? "0" : seconds(r.facts().elapsedMs()));
        Verdict v = r.judgement().verdict();
        String message = v.word() + ": " + Bounds.text(r.judgement().reason());
        String detail = Bounds.text(r.detail());
        if (failed(r)) {
          x.writeStartElement("failure");
          x.writeAttribute("type", v.word());
          x.writeAttribute("message", message);
          x.writeEndElement();
        } else if (v == Verdict.ERROR) {
          x.writeStartElement("error");
          x.writeAttribute("type", Bounds.name(r.judgement().reason()));
          x.writeAttribute("message", detail.isEmpty() ? message : message + ": " + detail);
          x.writeEndElement();
        } else if (v == Verdict.SKIPPED) {
          x.writeEmptyElement("skipped");
        }
        x.writeStartElement("system-out");
        x.writeCharacters(
            message + (r.facts() == null ? "" : "\n" + FactsJson.write(CleanFacts.of(r.facts()))));
        x.writeEndElement();
        x.writeEndElement();
      }
      x.writeCharacters("\n");
      x.writeEndElement();
      x.writeCharacters("\n");
      x.writeEndDocument();
      x.close();
    } catch (XMLStreamException e) {
      throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean failed(NamespaceResult r) {
    return r.judgement().verdict() == Verdict.EXPOSED && !r.judgement().asExpected();
  }

  private static String seconds(long ms) {
    return String.format(java.util.Locale.ROOT, "%.3f", ms / 1000.0);
  }
}
