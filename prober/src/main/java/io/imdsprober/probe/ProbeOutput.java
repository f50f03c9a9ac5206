package io.imdsprober.probe;

import io.imdsprober.facts.Facts;
import io.imdsprober.probe.ProbePlan.Endpoint;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Emits the facts: the JSON as the last line of stdout and as the whole content of the result file
 * (the kubelet's termination message).
 */
public final class ProbeOutput {
  private final PrintStream out;

  public ProbeOutput(PrintStream out) {
    this.out = out;
  }

  /**
   * Prints the facts and writes the result file.
   *
   * @return false when the result file could not be written; the JSON is on stdout all the same
   */
  public boolean emit(Facts facts, Path resultFile) {
    String json = FactsEncoder.encode(facts);
    out.println(json);
    out.flush();
    if (resultFile == null) {
      return true;
    }
    try {
      Files.writeString(resultFile, json, StandardCharsets.UTF_8);
      return true;
    } catch (IOException e) {
      AgentLog.error("ProbeOutput", "cannot write the result file " + resultFile + ": " + e);
      return false;
    }
  }

  /** The first nameserver of a resolv.conf file. */
  public static Optional<Endpoint> firstNameserver(Path resolvConf) throws IOException {
    return ResolvConf.firstNameserver(resolvConf);
  }
}
