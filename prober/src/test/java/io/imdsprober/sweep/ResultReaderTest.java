package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Judge;
import io.imdsprober.verdict.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** No {@code error} without its cause: what the agent said about a target reaches the detail. */
class ResultReaderTest {
  static final ResultReader.Plan PLAN =
      new ResultReader.Plan(
          List.of(ProbeFacts.IMDS, ProbeFacts.IMDS6, ProbeFacts.POD_IDENTITY),
          node -> Map.of(ProbeFacts.POD_IDENTITY, "EKS Pod Identity"),
          Expectations.DEFAULT);

  static NamespaceResult read(String facts) {
    return ResultReader.read(
        "team",
        PLAN,
        new ResultReader.Output(ProbeFacts.AGENT_POD, "node-7", facts, "termination message", 0));
  }

  @Test
  @DisplayName("check-error names the target and the agent's exception text; the node is the pod's")
  void checkErrorNamesItsCause() {
    String facts =
        ProbeFacts.facts(
                "ok",
                "ok",
                ProbeFacts.metadata(ProbeFacts.IMDS6, "http", "error", null, "not-tried"))
            .replace(
                "\"errors\":[]",
                "\"errors\":[\"[fd00:ec2::254]:80: java.net.SocketException: Too many open files\"]");
    NamespaceResult r = read(facts);
    assertThat(r.judgement().verdict()).isEqualTo(Verdict.ERROR);
    assertThat(r.judgement().reason()).isEqualTo(Judge.CHECK_ERROR);
    assertThat(r.detail())
        .isEqualTo(
            "[fd00:ec2::254]:80 connect could not be classified:"
                + " java.net.SocketException: Too many open files");
    assertThat(r.facts().node()).isEqualTo("node-7");
  }

  @Test
  @DisplayName("an error the agent gave no words for says so instead of an empty detail")
  void checkErrorWithoutWords() {
    NamespaceResult r =
        read(
            ProbeFacts.facts(
                "ok",
                "ok",
                ProbeFacts.metadata(ProbeFacts.IMDS, "http", "error", null, "not-tried")));
    assertThat(r.detail())
        .isEqualTo("169.254.169.254:80 connect could not be classified: the agent gave no cause");
  }
}
