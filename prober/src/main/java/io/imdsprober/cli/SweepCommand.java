package io.imdsprober.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.ProberException;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import io.imdsprober.metrics.ProberMetrics;
import io.imdsprober.metrics.Pushgateway;
import io.imdsprober.report.JsonReport;
import io.imdsprober.report.JunitReport;
import io.imdsprober.report.NamespaceEvents;
import io.imdsprober.report.OpenReportsYaml;
import io.imdsprober.report.PullHint;
import io.imdsprober.report.ReportWriter;
import io.imdsprober.report.TableReport;
import io.imdsprober.sweep.AdmissionParams;
import io.imdsprober.sweep.KubeConnection;
import io.imdsprober.sweep.SweepException;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.sweep.Sweeper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sweep --once}: probe every target namespace once, report, exit with the verdict. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Probe every target namespace once (the CronJob mode) and report.",
    footer = {
      "",
      "Exit codes: 0 every namespace as expected; 1 a namespace is exposed or reachable; 2 a"
          + " namespace could not be judged (error, degraded) and none is exposed; 3 cannot run:"
          + " a usage or configuration error, an unwritable report path, no target namespace"
          + " (unless --allow-empty), or no namespace could be probed at all."
    })
public final class SweepCommand implements Callable<Integer> {
  private static final Logger logger = LoggerFactory.getLogger(SweepCommand.class);

  @Spec CommandLine.Model.CommandSpec spec;

  @Mixin CommonOptions common = new CommonOptions();

  @Option(
      names = "--once",
      description = "Run one sweep and exit (required: serve runs sweeps on a schedule)")
  boolean once;

  @Option(
      names = "--selector",
      paramLabel = "SELECTOR",
      description = "Label selector of the target namespaces (key namespaces.selector)")
  String selector;

  @Option(
      names = "--include",
      paramLabel = "GLOB",
      split = ",",
      description = "Only namespaces matching these globs (key namespaces.include)")
  List<String> include;

  @Option(
      names = "--exclude",
      paramLabel = "GLOB",
      split = ",",
      description = "Never these namespaces; replaces the default list (key namespaces.exclude)")
  List<String> exclude;

  @Option(names = "--image", paramLabel = "IMAGE", description = "Probe image (key probe.image)")
  String image;

  @Option(
      names = "--output",
      paramLabel = "FORMAT",
      defaultValue = "table",
      description =
          "table, json, or openreports (the OpenReports Reports as a YAML List) (default:"
              + " ${DEFAULT-VALUE})")
  String output;

  @Option(
      names = "--wide",
      description =
          "With --output table: whole reasons, however wide (by default the table fits 120"
              + " columns and cuts long reasons with an ellipsis)")
  boolean wide;

  @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report")
  Path junit;

  @Option(
      names = "--allow-empty",
      description =
          "A selection that matches no namespace is a sweep of nothing (exit 0), not exit 3"
              + " (key namespaces.allowEmpty)")
  boolean allowEmpty;

  @Option(
      names = "--pushgateway",
      paramLabel = "URL",
      description =
          "Also push the metrics to this Pushgateway under job imds-prober (for a CronJob)")
  String pushgateway;

  @Override
  public Integer call() {
    if (!once) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "sweep needs --once (serve runs sweeps on a schedule)");
    }
    if (!output.equals("table") && !output.equals("json") && !output.equals("openreports")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "Invalid value for option '--output': '" + output + "' is not table|json|openreports");
    }
    common.applyLogFormat(spec);
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Config config;
    Pushgateway push;
    try {
      config = common.load(overrides(), FLAGS);
      push =
          pushgateway == null ? null : new Pushgateway(pushgateway, config.get(Keys.CLUSTER_NAME));
      checkWritable(junit);
    } catch (ConfigException e) {
      err.println("configuration error: " + e.getMessage());
      return SweepResult.EXIT_CONFIG;
    } catch (IllegalArgumentException e) {
      err.println("configuration error: --pushgateway: " + e.getMessage());
      return SweepResult.EXIT_CONFIG;
    }
    String probeImage = CommonOptions.probeImage(config);
    ProberMetrics metrics = new ProberMetrics(VersionProvider.version());
    Instant t0 = Instant.now();
    SweepResult result;
    CountDownLatch reported = new CountDownLatch(1);
    try (KubernetesClient client =
            KubeConnection.connect(
                common.kubeconfig, common.context, config, CommonOptions.userAgent());
        Sweeper sweeper =
            new Sweeper(client, config, probeImage, Sweeper.Timing.DEFAULT, Clock.systemUTC())) {
      AdmissionParams.check(client, config, probeImage);
      Thread hook =
          new Thread(
              () -> {
                // SIGTERM: end the sweep now (its Jobs are deleted) and let the report out
                sweeper.cancel();
                try {
                  reported.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "imds-sweep-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        result = sweeper.sweep();
        if (sweeper.lastPools() != null) {
          metrics.unschedulablePools(sweeper.lastPools().unschedulable());
        }
        if (config.get(Keys.EVENTS_ENABLED)) {
          new NamespaceEvents(client, Clock.systemUTC(), "sweep-" + result.id())
              .recordTampering(result);
        }
        if (config.get(Keys.REPORTS_ENABLED)) {
          int failed = new ReportWriter(client, config.get(Keys.CLUSTER_NAME)).write(result);
          if (failed > 0) {
            err.println(
                "reports.enabled: "
                    + failed
                    + " OpenReports Report(s) could not be written or deleted (see the log)");
          }
        }
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down: the hook is running
        }
      }
    } catch (ConfigException e) {
      err.println("configuration error: " + e.getMessage());
      reported.countDown();
      return SweepResult.EXIT_CONFIG;
    } catch (SweepException e) {
      err.println("sweep failed: " + e.getMessage());
      reported.countDown();
      metrics.sweepFailed(Duration.between(t0, Instant.now()));
      push(push, metrics, err);
      return SweepResult.EXIT_CONFIG;
    }
    try {
      metrics.record(result);
      push(push, metrics, err);
      return report(result, config.get(Keys.CLUSTER_NAME), probeImage, out, err);
    } finally {
      reported.countDown();
    }
  }

  /** Pushes the metrics when a Pushgateway is given; a failed push is said, not fatal. */
  private static void push(Pushgateway push, ProberMetrics metrics, PrintWriter err) {
    if (push == null) {
      return;
    }
    try {
      push.push(metrics.scrape());
      logger.info("metrics pushed to {}", push.url());
    } catch (ProberException e) {
      err.println("--pushgateway: " + e.getMessage());
    }
  }

  private int report(
      SweepResult result, String cluster, String probeImage, PrintWriter out, PrintWriter err) {
    out.print(
        switch (output) {
          case "json" -> JsonReport.render(result) + "\n";
          case "openreports" -> OpenReportsYaml.render(result, cluster);
          default -> TableReport.render(result, wide);
        });
    out.flush();
    if (junit != null) {
      try {
        JunitReport.write(result, junit);
      } catch (IOException e) {
        err.println("--junit " + junit + ": cannot write it: " + e.getMessage());
      }
    }
    if (result.fatal() != null) {
      err.println("sweep failed: " + result.fatal());
    }
    PullHint.of(result, probeImage).ifPresent(err::println);
    logger.debug("sweep {} exit code {}", result.id(), result.exitCode());
    return result.exitCode();
  }

  /** The key each named flag sets, so that an error names the flag. */
  private static final Map<String, String> FLAGS =
      Map.of(
          Keys.NAMESPACE_SELECTOR.name(), "--selector",
          Keys.NAMESPACE_INCLUDE.name(), "--include",
          Keys.NAMESPACE_EXCLUDE.name(), "--exclude",
          Keys.PROBE_IMAGE.name(), "--image",
          Keys.NAMESPACE_ALLOW_EMPTY.name(), "--allow-empty");

  /**
   * A report path is checked before any Job is made: a sweep whose report cannot be written would
   * otherwise probe every namespace for nothing.
   *
   * @throws ConfigException naming the flag, the path and the cause
   */
  static void checkWritable(Path report) {
    if (report == null) {
      return;
    }
    Path abs = report.toAbsolutePath();
    Path dir = abs.getParent();
    String cause = null;
    if (Files.isDirectory(abs)) {
      cause = "it is a directory";
    } else if (dir == null || !Files.isDirectory(dir)) {
      cause = "no directory " + dir;
    } else if (Files.exists(abs) ? !Files.isWritable(abs) : !Files.isWritable(dir)) {
      cause = "permission denied";
    }
    if (cause != null) {
      throw new ConfigException("--junit " + report + ": cannot write it: " + cause);
    }
  }

  private Map<String, String> overrides() {
    Map<String, String> out = new LinkedHashMap<>();
    if (allowEmpty) {
      out.put(Keys.NAMESPACE_ALLOW_EMPTY.name(), "true");
    }
    if (selector != null) {
      out.put(Keys.NAMESPACE_SELECTOR.name(), selector);
    }
    if (include != null) {
      out.put(Keys.NAMESPACE_INCLUDE.name(), String.join(",", include));
    }
    if (exclude != null) {
      out.put(Keys.NAMESPACE_EXCLUDE.name(), String.join(",", exclude));
    }
    if (image != null) {
      out.put(Keys.PROBE_IMAGE.name(), image);
    }
    return out;
  }
}
