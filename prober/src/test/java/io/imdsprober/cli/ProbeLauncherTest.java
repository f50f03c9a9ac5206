package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.Option;

/**
 * The probe pod's direct path (no picocli) must read flags exactly as the command line does: same
 * names, same environment variables, same defaults, same plan; and hand anything else to the
 * command line, which says what is wrong.
 */
class ProbeLauncherTest {
  @Test
  @DisplayName("the launcher's flag table is ProbeCommand's @Option annotations, flag for flag")
  void tableIsTheAnnotations() {
    List<String> annotated = new ArrayList<>();
    for (Field f : ProbeCommand.class.getDeclaredFields()) {
      Option o = f.getAnnotation(Option.class);
      if (o == null || o.usageHelp() || o.versionHelp()) {
        continue;
      }
      annotated.add(
          String.join(" ", o.names())
              + " | "
              + o.defaultValue()
              + " | list="
              + !o.split().isEmpty());
    }
    List<String> table =
        ProbeFlags.FLAGS.stream()
            .map(f -> f.name() + " | " + f.defaultExpression() + " | list=" + f.list())
            .toList();
    assertThat(table).containsExactlyInAnyOrderElementsOf(annotated);
  }

  @Test
  @DisplayName("the same arguments make the same plan by either path (defaults, lists, = form)")
  void samePlan(@TempDir Path dir) throws Exception {
    Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.96.0.10\n");
    String[][] cases = {
      {"probe", "--resolv-conf", resolv.toString(), "--result-file", "-"},
      {
        "probe",
        "--profile",
        "aws",
        "--resolv-conf=" + resolv,
        "--metadata",
        "127.0.0.1:1",
        "--metadata=tcp=[::1]:2,127.0.0.2:3",
        "--egress-url",
        "https://a.test/,http://b.test:8080/x?y",
        "--connect-timeout",
        "750ms",
        "--settle",
        "0s",
        "--retries",
        "0",
        "--imdsv2-token",
        "false",
        "--pod-name",
        "imds-probe-x",
        "--node-name",
        "n1",
        "--result-file",
        dir.resolve("r").toString()
      },
      {"probe", "--dns-name=", "--egress-url=", "--metadata", "127.0.0.1:1", "--result-file", "-"},
    };
    for (String[] args : cases) {
      picocli.CommandLine cl = Main.commandLine();
      cl.parseArgs(args);
      ProbeCommand command = cl.getSubcommands().get("probe").getCommand();
      assertThat(ProbeLauncher.parse(args, Map.of()).plan())
          .as(String.join(" ", args))
          .isEqualTo(command.plan());
    }
  }

  @Test
  @DisplayName("a flag not given takes its IMDS_PROBE_* variable, as in a probe pod's spec")
  void environment() {
    var plan =
        ProbeLauncher.parse(
                new String[] {"probe", "--result-file", "-"},
                Map.of(
                    "IMDS_PROBE_PROFILE", "aws",
                    "IMDS_PROBE_METADATA", "127.0.0.1:1,127.0.0.1:2",
                    "IMDS_PROBE_DNS_SERVER", "127.0.0.1:5353",
                    "IMDS_PROBE_CONNECT_TIMEOUT", "1s",
                    "IMDS_PROBE_POD_NAME", "imds-probe-abc"))
            .plan();
    assertThat(plan.metadata()).hasSize(2);
    assertThat(plan.imdsv2Token()).isTrue();
    assertThat(plan.dnsServer().toString()).isEqualTo("127.0.0.1:5353");
    assertThat(plan.timeout()).hasSeconds(1);
    assertThat(plan.pod()).isEqualTo("imds-probe-abc");
    assertThat(
            ProbeLauncher.parse(
                    new String[] {"probe", "--profile", "aws", "--result-file", "-"},
                    Map.of("IMDS_PROBE_IMDSV2_TOKEN", ""))
                .plan()
                .imdsv2Token())
        .as("an empty variable is unset: the AWS token request stays on")
        .isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "probe --help",
        "probe -h",
        "probe --version",
        "probe --bogus 1",
        "probe --connect-timeout",
        "probe --dns-name --egress-url https://a.test/",
        "probe --metadata 127.0.0.1:1 --help",
        "probe --connect-timeout 1s --connect-timeout 2s",
        "probe --connect-timeout 0s",
        "probe --imdsv2-token maybe",
        "probe --profile ibm",
        "probe positional",
        "sweep --once",
        ""
      })
  @DisplayName(
      "help, version, unknown, incomplete, repeated or refused flags go to the command line")
  void handsOver(String line) {
    String[] args = line.isEmpty() ? new String[0] : line.split(" ");
    // what run() decides, without running a probe: these arguments must never reach the checks
    boolean direct;
    try {
      ProbeFlags flags = ProbeLauncher.parse(args, Map.of());
      direct = flags != null && flags.plan() != null;
    } catch (IllegalArgumentException refused) {
      direct = false;
    }
    assertThat(direct).isFalse();
  }
}
