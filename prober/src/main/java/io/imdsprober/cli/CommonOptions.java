package io.imdsprober.cli;

import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The flags sweep and serve share: configuration, cluster, log format. */
final class CommonOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file")
  Path configFile;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Set a configuration key (repeatable), e.g. --set probe.maxInFlight=10")
  Map<String, String> sets = new LinkedHashMap<>();

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description =
          "Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service"
              + " account)")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "Kubeconfig context")
  String context;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      defaultValue = "${env:IMDS_PROBER_LOG_FORMAT:-text}",
      description = "text or json [IMDS_PROBER_LOG_FORMAT] (default: ${DEFAULT-VALUE})")
  String logFormat;

  /** Applies --log-format; a bad value is a usage error. */
  void applyLogFormat(CommandLine.Model.CommandSpec spec) {
    try {
      LogConfigurator.useFormat(logFormat);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "Invalid value for option '--log-format': " + e.getMessage());
    }
  }

  /**
   * The configuration: defaults, the file, the environment, {@code --set}, then the named flags.
   *
   * @param named key to value, from a named flag
   * @param flags key to that flag's name, so that an error names {@code --interval}, not {@code
   *     --set}
   */
  Config load(Map<String, String> named, Map<String, String> flags) {
    Map<String, String> all = new LinkedHashMap<>(sets);
    all.putAll(named);
    Map<String, String> sources = new LinkedHashMap<>();
    sets.keySet().forEach(k -> sources.put(k, "--set"));
    named.keySet().forEach(k -> sources.put(k, flags.getOrDefault(k, "--set")));
    return Config.load(Keys.ALL, configFile, System.getenv(), all, sources);
  }

  /** The probe image: the key, else this release's image. */
  static String probeImage(Config config) {
    return config.get(Keys.PROBE_IMAGE).isEmpty()
        ? "ghcr.io/imds-prober/imds-prober:" + VersionProvider.version()
        : config.get(Keys.PROBE_IMAGE);
  }

  /** The User-Agent of every API request. */
  static String userAgent() {
    return "imds-prober/" + VersionProvider.version();
  }
}
