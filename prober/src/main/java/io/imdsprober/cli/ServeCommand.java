package io.imdsprober.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.imdsprober.ProberException;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import io.imdsprober.serve.ProberService;
import io.imdsprober.sweep.KubeConnection;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.sweep.Sweeper;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code serve}: a sweep at start and then on a schedule (while this replica holds the Lease),
 * {@code /metrics}, {@code /healthz}, {@code /readyz}. SIGTERM stops it cleanly (exit 0).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Sweep on a schedule and serve /metrics, /healthz and /readyz (the Deployment mode).",
    footer = {
      "",
      "Exit codes: 0 stopped by SIGTERM; 3 configuration error or the port cannot be opened."
    })
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Mixin CommonOptions common = new CommonOptions();

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      description = "Time between sweeps (key serve.interval, default 10m)")
  String interval;

  @Option(
      names = "--schedule",
      paramLabel = "CRON",
      description = "Quartz cron expression instead of the interval (key serve.schedule)")
  String schedule;

  @Option(
      names = "--metrics-port",
      paramLabel = "N",
      description = "Port of /metrics, /healthz, /readyz (key serve.metricsPort, default 9090)")
  String metricsPort;

  @Option(
      names = "--bind-address",
      paramLabel = "IP",
      description = "Address of /metrics, /healthz, /readyz (key serve.bindAddress, default all)")
  String bindAddress;

  @Override
  public Integer call() throws Exception {
    common.applyLogFormat(spec);
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> named = new LinkedHashMap<>();
    if (interval != null) {
      named.put(Keys.SERVE_INTERVAL.name(), interval);
    }
    if (schedule != null) {
      named.put(Keys.SERVE_SCHEDULE.name(), schedule);
    }
    if (metricsPort != null) {
      named.put(Keys.SERVE_METRICS_PORT.name(), metricsPort);
    }
    if (bindAddress != null) {
      named.put(Keys.SERVE_BIND_ADDRESS.name(), bindAddress);
    }
    KubernetesClient client = null;
    ProberService service;
    Config config;
    try {
      if (interval != null && schedule != null) {
        throw new ConfigException(
            "--interval and --schedule: give one (an interval, or a cron expression)");
      }
      config =
          common.load(
              named,
              Map.of(
                  Keys.SERVE_INTERVAL.name(), "--interval",
                  Keys.SERVE_SCHEDULE.name(), "--schedule",
                  Keys.SERVE_METRICS_PORT.name(), "--metrics-port",
                  Keys.SERVE_BIND_ADDRESS.name(), "--bind-address"));
      client =
          KubeConnection.connect(
              common.kubeconfig, common.context, config, CommonOptions.userAgent());
      service =
          new ProberService(
              client,
              config,
              CommonOptions.probeImage(config),
              VersionProvider.version(),
              Sweeper.Timing.DEFAULT,
              Clock.systemUTC(),
              identity(config),
              config.get(Keys.SERVE_METRICS_PORT));
      service.start();
    } catch (ConfigException e) {
      err.println("configuration error: " + e.getMessage());
      if (client != null) {
        client.close();
      }
      return SweepResult.EXIT_CONFIG;
    } catch (ProberException e) {
      err.println("serve: " + e.getMessage());
      if (client != null) {
        client.close();
      }
      return SweepResult.EXIT_CONFIG;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    KubernetesClient c = client;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.stop(config.get(Keys.SERVE_SHUTDOWN_GRACE));
                  c.close();
                  stopped.countDown();
                  System.out.flush();
                  System.err.flush();
                  // a stop asked for by SIGTERM is a clean stop: exit 0, not 143
                  Runtime.getRuntime().halt(0);
                },
                "imds-serve-shutdown"));
    stopped.await();
    return 0;
  }

  static String identity(Config config) {
    String id = config.get(Keys.LEADER_ELECTION_IDENTITY);
    if (!id.isEmpty()) {
      return id;
    }
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isBlank()) {
      return pod;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "imds-prober-" + ProcessHandle.current().pid();
    }
  }
}
