package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line, without sending a packet: bad flags stop before any check runs. */
class ProbeCommandTest {
  private static Cli.Result run(String... args) {
    return Cli.run(args);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "--connect-timeout, 0s",
    "--connect-timeout, 3",
    "--settle, -1s",
    "--retries, 11",
    "--retries, two",
    "--profile, ibm",
    "--metadata, localhost:80",
    "--metadata, 127.0.0.1",
    "--dns-server, kube-dns",
    "--egress-url, ftp://example.com/",
    "--imdsv2-token, maybe"
  })
  @DisplayName("a bad flag exits 3 (a usage error) with a message naming it, and prints no JSON")
  void badFlags(String flag, String value) {
    Cli.Result r = run(loopbackOnly(flag, value));
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains(flag).contains(value);
    assertThat(r.out()).doesNotContain("{");
  }

  /**
   * The probe's flags with every target on loopback, so that even a flag wrongly accepted sends no
   * packet beyond this machine; {@code flag} replaces its safe value.
   */
  private static String[] loopbackOnly(String flag, String value) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("--metadata", "127.0.0.1:1");
    flags.put("--egress-url", "https://127.0.0.1:1/");
    flags.put("--dns-server", "127.0.0.1");
    flags.put("--connect-timeout", "200ms");
    flags.put("--result-file", "-");
    flags.put(flag, value);
    List<String> args = new ArrayList<>(List.of("probe"));
    flags.forEach((k, v) -> args.addAll(List.of(k, v)));
    return args.toArray(String[]::new);
  }

  @Test
  @DisplayName("an unknown flag is a usage error too")
  void unknownFlag() {
    Cli.Result r = run("probe", "--metdata", "127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains("--metdata");
  }

  @Test
  @DisplayName("a resolv.conf without nameserver asks for --dns-server")
  void noNameserver(@TempDir Path dir) throws Exception {
    Path resolv = Files.writeString(dir.resolve("resolv.conf"), "search cluster.local\n");
    Cli.Result r =
        run(
            "probe",
            "--resolv-conf",
            resolv.toString(),
            "--metadata",
            "127.0.0.1:1",
            "--egress-url",
            "https://127.0.0.1:1/");
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains("names no nameserver").contains("--dns-server");
  }

  @Test
  @DisplayName("--help, --version, and serve with a kubeconfig that is not there")
  void helpAndVersion() {
    Cli.Result help = run("probe", "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("--metadata", "IMDS_PROBE_METADATA", "--result-file");
    Cli.Result version = run("--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).startsWith("imds-prober ");
    Cli.Result serve = run("serve", "--kubeconfig", "/nonexistent/kubeconfig");
    assertThat(serve.exit()).isEqualTo(3);
    assertThat(serve.err())
        .contains("--kubeconfig /nonexistent/kubeconfig: no readable file there");
    assertThat(run().exit()).isEqualTo(3);
  }

  @Test
  @DisplayName(
      "flags become a plan: profile defaults, token default for aws, nameserver from resolv.conf")
  void plan(@TempDir Path dir) throws Exception {
    Path resolv =
        Files.writeString(dir.resolve("resolv.conf"), "search x\nnameserver 10.96.0.10\n");
    picocli.CommandLine cl = Main.commandLine();
    cl.parseArgs(
        "probe", "--profile", "aws", "--resolv-conf", resolv.toString(), "--result-file", "-");
    ProbeCommand probe = cl.getSubcommands().get("probe").getCommand();
    var plan = probe.plan();
    assertThat(plan.metadata()).hasSize(2);
    assertThat(plan.imdsv2Token()).isTrue();
    assertThat(plan.dnsServer().toString()).isEqualTo("10.96.0.10:53");
    assertThat(plan.resultFile()).isNull();
    assertThat(plan.timeout()).hasSeconds(3);
    assertThat(plan.retries()).isEqualTo(2);
  }
}
