package io.imdsprober.sweep;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.MalformedFactsException;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.util.Texts;
import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.FactsAcceptance;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Judge;
import io.imdsprober.verdict.Judgement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * From what a trusted probe pod left to a namespace's result: the facts are read ({@link Results}),
 * accepted or not ({@link FactsAcceptance}), then judged ({@link Judge}). The node is the pod's
 * {@code spec.nodeName}, never the facts' own word. Pure and total: any text gives a result, never
 * an exception.
 */
final class ResultReader {
  /**
   * What the sweep planned for one probe.
   *
   * @param planned the {@code host:port} of every metadata target the agent was told to try
   * @param platformTargets the platform-served targets for a probe on a node (by node name)
   * @param expectations the namespace's expectations
   * @param connectTimeout the connect timeout the agent was given, or null not to check it
   */
  record Plan(
      List<String> planned,
      Function<String, Map<String, String>> platformTargets,
      Expectations expectations,
      Duration connectTimeout) {
    Plan(
        List<String> planned,
        Function<String, Map<String, String>> platformTargets,
        Expectations expectations) {
      this(planned, platformTargets, expectations, null);
    }
  }

  /**
   * What the probe pod left.
   *
   * @param podName the pod the text came from
   * @param node the pod's {@code spec.nodeName}
   * @param text the termination message or the log tail
   * @param source which of the two, for the detail
   * @param exitCode the container's exit code, or null
   */
  record Output(String podName, String node, String text, String source, Integer exitCode) {}

  private ResultReader() {}

  static NamespaceResult read(String namespace, Plan plan, Output out) {
    Facts facts;
    try {
      facts = Results.read(out.text());
    } catch (MalformedFactsException e) {
      String exit =
          out.exitCode() == null || out.exitCode() == 0
              ? ""
              : " (agent exit code " + out.exitCode() + ")";
      return NamespaceResult.failed(
          namespace,
          new Failure(Failure.MALFORMED_RESULT, e.getMessage() + " (" + out.source() + ")" + exit));
    }
    Failure rejected =
        FactsAcceptance.check(facts, plan.planned(), out.podName(), plan.connectTimeout());
    if (rejected != null) {
      return NamespaceResult.failed(namespace, rejected);
    }
    Facts onNode =
        new Facts(
            facts.v(),
            facts.pod(),
            out.node(),
            facts.started(),
            facts.elapsedMs(),
            facts.metadata(),
            facts.dns(),
            facts.egress(),
            facts.errors());
    Judgement j =
        new Judge(plan.platformTargets().apply(out.node())).judge(onNode, plan.expectations());
    return new NamespaceResult(
        namespace, j, onNode, Judge.CHECK_ERROR.equals(j.reason()) ? unclassified(onNode) : "");
  }

  /**
   * For {@code check-error}: each target whose connect the agent could not classify, with the
   * agent's own words for it ({@code errors} entries start with the target).
   */
  static String unclassified(Facts facts) {
    List<String> parts = new ArrayList<>();
    for (MetadataFact m : facts.metadata()) {
      if (m.tcp() != TcpResult.ERROR) {
        continue;
      }
      String prefix = m.target() + ": ";
      String why =
          facts.errors().stream()
              .filter(e -> e.startsWith(prefix))
              .map(e -> e.substring(prefix.length()))
              .findFirst()
              .orElse("the agent gave no cause");
      parts.add(m.target() + " connect could not be classified: " + Texts.abbreviate(why, 200));
    }
    return String.join("; ", parts);
  }
}
