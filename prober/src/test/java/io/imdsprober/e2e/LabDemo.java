package io.imdsprober.e2e;

import io.imdsprober.report.TableReport;
import io.imdsprober.sweep.SweepResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The end-to-end lab as a demo (bench/lab-demo.sh, root on Linux): the same lab as EndToEndLabTest,
 * with serve on a fixed port, narrated. It shows the first sweep's report, the URLs to open, then
 * opens the "flip" namespace, waits for the alert, fixes it, waits for the resolution, and keeps
 * running until Enter or Ctrl-C. Every network namespace and process it made goes away on exit.
 */
public final class LabDemo {
  private LabDemo() {}

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9090;
    Path dir = Files.createTempDirectory("imds-prober-lab");
    say(
        "building the lab in "
            + dir
            + " (network namespaces, fake IMDS, DNS, HTTPS, Prometheus,"
            + " Alertmanager): about a minute");
    AlertLab lab = new AlertLab(dir, Duration.ofSeconds(10), port);
    Thread cleanup = new Thread(lab::close, "lab-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      say("prober metrics:  http://127.0.0.1:" + lab.servePort + "/metrics");
      say("Prometheus:      http://127.0.0.1:" + lab.prometheusPort + "/alerts");
      say("Alertmanager:    http://127.0.0.1:" + lab.alertmanagerPort);
      SweepResult first = awaitSweep(lab, null);
      say("the first sweep:\n" + TableReport.render(first));
      Thread printer = new Thread(() -> printNotifications(lab), "notifications");
      printer.setDaemon(true);
      printer.start();
      say(
          "'exposed' answers like IMDSv1: ImdsProberMetadataExposed fires at once and reaches the"
              + " webhook receiver (watch Prometheus's /alerts meanwhile)");
      Instant opened = Instant.now();
      lab.exposeFlip();
      say(
          "now a tenant deletes 'flip''s carve-out NetworkPolicy: the lab's router follows it,"
              + " and the prober re-probes the namespace on the change");
      awaitNotification(lab, "firing", "flip", Duration.ofMinutes(4));
      say(
          "'flip' notified "
              + Duration.between(opened, Instant.now()).toSeconds()
              + " s after its policy was deleted; fixing it (the policy is back)");
      Instant fixed = Instant.now();
      lab.fixFlip();
      awaitNotification(lab, "resolved", "flip", Duration.ofMinutes(3));
      // the re-probe resolved it; the table is that of the first whole sweep begun after the fix
      say("resolved. The next sweep:\n" + TableReport.render(awaitSweepAfter(lab, fixed)));
      say("the lab keeps running: open the URLs above; press Enter (or Ctrl-C) to end it");
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    } finally {
      lab.close();
      deleteTree(dir);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    System.exit(0);
  }

  private static SweepResult awaitSweep(AlertLab lab, SweepResult after)
      throws InterruptedException {
    while (true) {
      SweepResult r = lab.serve.lastResult();
      if (r != null && r != after) {
        return r;
      }
      Thread.sleep(500);
    }
  }

  /** The first whole sweep that began after {@code after}. */
  private static SweepResult awaitSweepAfter(AlertLab lab, Instant after)
      throws InterruptedException {
    while (true) {
      SweepResult r = lab.serve.lastResult();
      if (r != null && r.started().isAfter(after)) {
        return r;
      }
      Thread.sleep(500);
    }
  }

  /** The lab's folder (logs, Prometheus and Alertmanager data): nothing stays behind. */
  private static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(java.util.Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (java.io.IOException e) {
                  System.err.println("lab cleanup: " + e);
                }
              });
    } catch (java.io.IOException e) {
      System.err.println("lab cleanup: " + e);
    }
  }

  private static void awaitNotification(AlertLab lab, String status, String ns, Duration limit)
      throws InterruptedException {
    Instant until = Instant.now().plus(limit);
    while (!EndToEndLabTest.notified(lab, status, ns)) {
      if (Instant.now().isAfter(until)) {
        throw new IllegalStateException(
            "no " + status + " notification for " + ns + " in " + limit);
      }
      Thread.sleep(500);
    }
  }

  private static void printNotifications(AlertLab lab) {
    int seen = 0;
    while (true) {
      while (seen < lab.notifications.size()) {
        AlertLab.Notification n = lab.notifications.get(seen++);
        say(
            "webhook received: "
                + n.status()
                + " "
                + n.alertname()
                + " namespace="
                + n.namespace());
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static void say(String line) {
    System.out.println("[lab] " + line);
    System.out.flush();
  }
}
