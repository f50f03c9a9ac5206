package io.imdsprober.sweep;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A mock cluster to try the prober against by hand, and to benchmark sweeps: the fabric8 mock API
 * server on loopback with N namespaces, one AWS node and an instant fake kubelet. Writes a
 * kubeconfig, prints {@code READY <url>}, then answers {@code stats} on stdin with the number of
 * requests the prober made since the last {@code stats}; ends on {@code quit} or end of input. With
 * {@code --until-killed} first, it reads no input at all and runs until it is stopped (a shell's
 * background job that read its terminal would be stopped by the shell).
 *
 * <p>Arguments: {@code KUBECONFIG_OUT NAMESPACES [EXPOSED]}: the first EXPOSED namespaces answer as
 * if the metadata service were open (IMDSv1 200). Options before them, for the scale benchmark:
 * {@code --nodes N --pools P} (N nodes in P EKS node groups {@code ng-0}..), {@code --pod-start-ms
 * MIN-MAX} and {@code --probe-ms MIN-MAX} (a kubelet that starts each pod after a random delay in
 * the range, as Running, and ends it after another: a realistic probe, time compressed as the
 * caller likes). {@code stats} then also says the most probe Jobs that were in flight at once
 * ({@code jobsMaxInFlight}, from the prober's own creates and deletes, in order).
 */
public final class MockClusterMain {
  private MockClusterMain() {}

  private static int inFlight;
  private static int maxInFlight;

  private static int[] range(String s) {
    String[] p = s.split("-");
    return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
  }

  /** A kubelet with pod start and probe time: never blocks the fake kubelet's own threads. */
  private static FakeKubelet.Script delayed(
      java.util.concurrent.ScheduledExecutorService clock, int[] start, int[] run, String facts) {
    java.util.Random random = new java.util.Random();
    return (k, job) ->
        clock.schedule(
            () -> {
              io.fabric8.kubernetes.api.model.Pod pod = k.pod(job, FakeKubelet.running());
              clock.schedule(
                  () -> {
                    k.finish(pod, facts, 0);
                  },
                  run[0] + random.nextInt(run[1] - run[0] + 1),
                  java.util.concurrent.TimeUnit.MILLISECONDS);
            },
            start[0] + random.nextInt(start[1] - start[0] + 1),
            java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public static void main(String[] args) throws Exception {
    boolean untilKilled = args.length > 0 && args[0].equals("--until-killed");
    if (untilKilled) {
      args = java.util.Arrays.copyOfRange(args, 1, args.length);
    }
    int nodes = 1;
    int pools = 0;
    int[] podStart = null;
    int[] probe = null;
    while (args.length > 0 && args[0].startsWith("--")) {
      switch (args[0]) {
        case "--nodes" -> nodes = Integer.parseInt(args[1]);
        case "--pools" -> pools = Integer.parseInt(args[1]);
        case "--pod-start-ms" -> podStart = range(args[1]);
        case "--probe-ms" -> probe = range(args[1]);
        default -> throw new IllegalArgumentException("unknown option " + args[0]);
      }
      args = java.util.Arrays.copyOfRange(args, 2, args.length);
    }
    if (args.length < 2) {
      System.err.println("usage: MockClusterMain KUBECONFIG_OUT NAMESPACES [EXPOSED]");
      System.exit(2);
    }
    Path kubeconfig = Path.of(args[0]);
    int namespaces = Integer.parseInt(args[1]);
    int exposed = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    try (MockCluster cluster = new MockCluster();
        FakeKubelet kubelet =
            new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED))
                .collectGarbage()) {
      if (pools == 0) {
        cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
      } else {
        cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
        for (int i = 0; i < nodes; i++) {
          cluster.node(
              String.format("node-%03d", i + 2),
              "aws:///eu-west-1a/i-0" + i,
              Map.of(
                  "eks.amazonaws.com/nodegroup", "ng-" + (i % pools), "kubernetes.io/os", "linux"));
        }
      }
      cluster.namespace("kube-system");
      java.util.concurrent.ScheduledExecutorService clock =
          java.util.concurrent.Executors.newScheduledThreadPool(4);
      for (int i = 0; i < namespaces; i++) {
        String name = String.format("team-%04d", i);
        cluster.namespace(name);
        String facts = i < exposed ? ProbeFacts.EXPOSED : ProbeFacts.PROTECTED;
        if (podStart != null && probe != null) {
          kubelet.script(name, delayed(clock, podStart, probe, facts));
        } else if (i < exposed) {
          kubelet.script(name, FakeKubelet.facts(ProbeFacts.EXPOSED));
        }
      }
      Path written = cluster.kubeconfig(Files.createTempDirectory("mock-cluster"));
      Files.copy(written, kubeconfig, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      cluster.proberRequests();
      System.out.println("READY " + cluster.url());
      System.out.flush();
      if (untilKilled) {
        new java.util.concurrent.CountDownLatch(1).await(); // until SIGTERM or Ctrl-C
      }
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.trim().equals("quit")) {
        if (line.trim().equals("stats")) {
          java.util.List<io.fabric8.mockwebserver.http.RecordedRequest> rs =
              cluster.proberRequests(MockCluster.ANY_PROBER);
          for (var r : rs) {
            if (r.getPath().matches("^/apis/batch/v1/namespaces/[^/]+/jobs(\\?.*)?$")
                && r.getMethod().equals("POST")) {
              maxInFlight = Math.max(maxInFlight, ++inFlight);
            } else if (r.getPath().matches("^/apis/batch/v1/namespaces/[^/]+/jobs/[^/?]+.*")
                && r.getMethod().equals("DELETE")) {
              inFlight--;
            }
          }
          System.out.println("requests=" + rs.size() + " jobsMaxInFlight=" + maxInFlight);
          System.out.flush();
        }
      }
    }
  }
}
