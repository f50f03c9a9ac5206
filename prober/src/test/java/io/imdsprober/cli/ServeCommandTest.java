package io.imdsprober.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** serve refuses bad configuration before it starts anything: exit 3, the key and value named. */
class ServeCommandTest {
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--schedule|every day|serve.schedule: invalid value 'every day'",
        "--interval|-5m|serve.interval: invalid value '-5m'",
        "--metrics-port|70000|serve.metricsPort: invalid value '70000'",
        "--set|probe.connectTimeout=-1s|probe.connectTimeout: invalid value '-1s'",
        "--set|metadata.profile=ibm|metadata.profile: invalid value 'ibm'",
        "--set|namespaces.selector=env in prod|namespaces.selector: invalid value 'env in prod'",
        "--set|serve.intervall=5m|--set serve.intervall: unknown key",
        "--set|leaderElection.renewDeadline=20s|leaderElection.leaseDuration (PT15S) must be longer"
      })
  @DisplayName("a bad value or key stops serve with exit 3, naming the key and the value")
  void badConfiguration(String flag, String value, String message, @TempDir Path dir)
      throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:1'}\n"
            + "contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n"
            + "users:\n- name: u\n  user: {token: t}\n");
    Cli.Result r =
        Cli.run(
            "serve",
            "--kubeconfig",
            kubeconfig.toString(),
            "--set",
            "serve.metricsPort=0",
            flag,
            value);
    assertThat(r.exit()).as(r.err()).isEqualTo(3);
    assertThat(r.err()).contains(message);
  }

  @Test
  @DisplayName("an unknown key in the config file stops serve with exit 3")
  void unknownKeyInFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("c.yaml"), "serve:\n  sheduler: '0 * * * * ?'\n");
    Cli.Result r = Cli.run("serve", "--config", file.toString());
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains("serve.sheduler: unknown key");
  }
}
