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
 * if the metadata service were open (IMDSv1 200).
 */
public final class MockClusterMain {
  private MockClusterMain() {}

  public static void main(String[] args) throws Exception {
    boolean untilKilled = args.length > 0 && args[0].equals("--until-killed");
    if (untilKilled) {
      args = java.util.Arrays.copyOfRange(args, 1, args.length);
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
            new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED))) {
      cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
      cluster.namespace("kube-system");
      for (int i = 0; i < namespaces; i++) {
        String name = String.format("team-%04d", i);
        cluster.namespace(name);
        if (i < exposed) {
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
          System.out.println("requests=" + cluster.proberRequests(MockCluster.ANY_PROBER).size());
          System.out.flush();
        }
      }
    }
  }
}
