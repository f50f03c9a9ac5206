package io.imdsprober.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import io.imdsprober.report.JsonReport;
import io.imdsprober.report.JunitReport;
import io.imdsprober.report.TableReport;
import io.imdsprober.sweep.KubeConnection;
import io.imdsprober.sweep.SweepException;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.sweep.Sweeper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
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
          + " namespace could not be judged (error, degraded) and none is exposed; 3 configuration"
          + " or connection error before any namespace was probed."
    })
public final class SweepCommand implements Callable<Integer> {
  private static final Logger logger = LoggerFactory.getLogger(SweepCommand.class);

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--once",
      description = "Run one sweep and exit (required: serve runs sweeps on a schedule)")
  boolean once;

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
          "Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "Kubeconfig context")
  String context;

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
      description = "table or json (default: ${DEFAULT-VALUE})")
  String output;

  @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report")
  Path junit;

  @Override
  public Integer call() {
    if (!once) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "sweep needs --once (serve runs sweeps on a schedule)");
    }
    if (!output.equals("table") && !output.equals("json")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "Invalid value for option '--output': '" + output + "' is not table|json");
    }
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Config config;
    try {
      config = Config.load(Keys.ALL, configFile, System.getenv(), overrides());
    } catch (ConfigException e) {
      err.println("configuration error: " + e.getMessage());
      return SweepResult.EXIT_CONFIG;
    }
    String probeImage =
        config.get(Keys.PROBE_IMAGE).isEmpty()
            ? "ghcr.io/imds-prober/imds-prober:" + VersionProvider.version()
            : config.get(Keys.PROBE_IMAGE);
    SweepResult result;
    CountDownLatch reported = new CountDownLatch(1);
    try (KubernetesClient client =
            KubeConnection.connect(
                kubeconfig, context, config, "imds-prober/" + VersionProvider.version());
        Sweeper sweeper =
            new Sweeper(client, config, probeImage, Sweeper.Timing.DEFAULT, Clock.systemUTC())) {
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
      return SweepResult.EXIT_CONFIG;
    }
    try {
      return report(result, out, err);
    } finally {
      reported.countDown();
    }
  }

  private int report(SweepResult result, PrintWriter out, PrintWriter err) {
    out.print(
        output.equals("json") ? JsonReport.render(result) + "\n" : TableReport.render(result));
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
    logger.debug("sweep {} exit code {}", result.id(), result.exitCode());
    return result.exitCode();
  }

  private Map<String, String> overrides() {
    Map<String, String> out = new LinkedHashMap<>(sets);
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
