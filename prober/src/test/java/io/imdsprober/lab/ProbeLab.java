package io.imdsprober.lab;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.FactsJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A pod, a router and the hosts behind it, each in its own lab network namespace:
 *
 * <pre>
 *  pod 192.0.2.2, 2001:db8:2::2  --  router  --  imds 169.254.169.254, 168.63.129.16,
 *  (resolv.conf: 198.51.100.53)        |              100.100.100.200, fd00:ec2::254
 *                                      +------  svc  198.51.100.53 DNS, .10 HTTPS, .12 closed
 * </pre>
 *
 * The router's route to each metadata address is the policy under test: a route (open), {@code
 * blackhole} (dropped), {@code prohibit} or {@code unreachable} (ICMP errors). The fake IMDS's
 * profile, switched at run time, decides how it answers. Addresses are documentation ranges and the
 * metadata addresses, all of them only inside the lab.
 */
public final class ProbeLab implements AutoCloseable {
  public static final String EGRESS_HOST = "egress.lab.test";
  public static final List<String> METADATA_V4 =
      List.of("169.254.169.254", "168.63.129.16", "100.100.100.200");
  public static final String METADATA_V6 = "fd00:ec2::254";

  /** The lab's DNS server also answers on this IPv6 address. */
  public static final String DNS_V6 = "2001:db8:4::53";

  private final NetLab lab = new NetLab();
  private final Path workDir;
  public final String pod;
  public final String router;
  public final String imdsNs;
  public final String svc;
  public final LabProcess imds;
  public final LabProcess services;
  public final LabProcess proxySink;
  private final TestCa ca;

  public ProbeLab(Path workDir) throws IOException {
    this(workDir, null, true);
  }

  /**
   * A lab whose HTTPS host uses the given CA (made anew when null), with or without the proxy sink
   * in the pod namespace.
   */
  public ProbeLab(Path workDir, TestCa sharedCa, boolean proxySinkWanted) throws IOException {
    this.workDir = workDir;
    try {
      pod = lab.namespace("pod");
      router = lab.namespace("rtr");
      imdsNs = lab.namespace("imds");
      svc = lab.namespace("svc");
      lab.link(pod, "eth0", router, "rpod");
      lab.link(imdsNs, "eth0", router, "rimds");
      lab.link(svc, "eth0", router, "rsvc");
      for (String sysctl :
          List.of(
              "net.ipv4.ip_forward=1",
              "net.ipv6.conf.all.forwarding=1",
              "net.ipv4.icmp_ratelimit=0",
              "net.ipv6.icmp.ratelimit=0")) {
        lab.in(router, "sysctl", "-qw", sysctl);
      }
      addr(pod, "eth0", "192.0.2.2/24", "2001:db8:2::2/64");
      addr(router, "rpod", "192.0.2.1/24", "2001:db8:2::1/64");
      lab.in(pod, "ip", "route", "add", "default", "via", "192.0.2.1");
      lab.in(pod, "ip", "-6", "route", "add", "default", "via", "2001:db8:2::1");

      addr(router, "rimds", "203.0.113.1/24", "2001:db8:3::1/64");
      addr(imdsNs, "eth0", "203.0.113.2/24", "2001:db8:3::2/64");
      for (String a : METADATA_V4) {
        lab.in(imdsNs, "ip", "addr", "add", a + "/32", "dev", "eth0");
      }
      lab.in(imdsNs, "ip", "-6", "addr", "add", METADATA_V6 + "/128", "dev", "eth0", "nodad");
      lab.in(imdsNs, "ip", "route", "add", "default", "via", "203.0.113.1");
      lab.in(imdsNs, "ip", "-6", "route", "add", "default", "via", "2001:db8:3::1");

      addr(router, "rsvc", "198.51.100.1/24", "2001:db8:4::1/64");
      addr(svc, "eth0", "198.51.100.2/24", "2001:db8:4::2/64");
      for (String a : List.of("198.51.100.53", "198.51.100.10", "198.51.100.12")) {
        lab.in(svc, "ip", "addr", "add", a + "/32", "dev", "eth0");
      }
      lab.in(svc, "ip", "-6", "addr", "add", DNS_V6 + "/128", "dev", "eth0", "nodad");
      lab.in(svc, "ip", "-6", "route", "add", "default", "via", "2001:db8:4::1");
      lab.in(svc, "ip", "route", "add", "default", "via", "198.51.100.1");
      // the silent host: packets to it vanish at the router; the unreachable one: ICMP prohibited
      lab.in(router, "ip", "route", "add", "blackhole", "198.51.100.13/32");
      lab.in(router, "ip", "route", "add", "prohibit", "198.51.100.14/32");
      lab.etc(pod, "resolv.conf", "nameserver 198.51.100.53\n");
      lab.verifyIsolated();

      ca = sharedCa != null ? sharedCa : TestCa.create(workDir.resolve("ca"), EGRESS_HOST);
      List<String> imdsArgs = new ArrayList<>();
      for (String a : METADATA_V4) {
        imdsArgs.addAll(List.of("--imds", a + ":80"));
      }
      imdsArgs.addAll(
          List.of("--imds", "[" + METADATA_V6 + "]:80", "--imds", "168.63.129.16:32526"));
      imds = LabProcess.start(lab, imdsNs, imdsArgs);
      services =
          LabProcess.start(
              lab,
              svc,
              List.of(
                  "--dns", "198.51.100.53:53",
                  "--dns", "[" + DNS_V6 + "]:53",
                  "--zone", "kubernetes.default.svc.cluster.local=A:192.0.2.100",
                  "--zone", EGRESS_HOST + "=A:198.51.100.10",
                  "--zone", "wrongname.lab.test=A:198.51.100.10",
                  "--zone", "closed.lab.test=A:198.51.100.12",
                  // a tenant's Service shadowing the egress host through the search list
                  "--zone", EGRESS_HOST + ".shop.svc.cluster.local=A:198.51.100.12",
                  "--zone", "silent.lab.test=A:198.51.100.13",
                  "--zone", "unreach.lab.test=A:198.51.100.14",
                  "--zone", "broken.lab.test=SERVFAIL",
                  "--zone", "refuse.lab.test=REFUSED",
                  "--zone", "quiet.lab.test=SILENT",
                  "--https", "198.51.100.10:443",
                  "--keystore", ca.serverKeystore().toString(),
                  "--storepass", TestCa.PASSWORD));
      proxySink =
          proxySinkWanted ? LabProcess.start(lab, pod, List.of("--sink", "127.0.0.1:3128")) : null;
    } catch (RuntimeException | IOException e) {
      lab.close();
      throw e;
    }
  }

  private void addr(String ns, String dev, String v4, String v6) {
    lab.in(ns, "ip", "addr", "add", v4, "dev", dev);
    lab.in(ns, "ip", "-6", "addr", "add", v6, "dev", dev, "nodad");
  }

  /**
   * Sets the router's policy for a metadata address: {@code open}, {@code blackhole}, {@code
   * prohibit} or {@code unreachable}.
   */
  public void policy(String address, String policy) {
    boolean v6 = address.contains(":");
    String prefix = address + (v6 ? "/128" : "/32");
    List<String> cmd = new ArrayList<>(List.of("ip"));
    if (v6) {
      cmd.add("-6");
    }
    cmd.addAll(List.of("route", "replace"));
    if (policy.equals("open")) {
      cmd.addAll(List.of(prefix, "via", v6 ? "2001:db8:3::2" : "203.0.113.2"));
    } else {
      cmd.addAll(List.of(policy, prefix));
    }
    lab.in(router, cmd.toArray(String[]::new));
  }

  /** Drops (true) or again routes (false) packets to the lab's DNS server, at the router. */
  public void blockDns(boolean blocked) {
    if (blocked) {
      lab.in(router, "ip", "route", "replace", "blackhole", "198.51.100.53/32");
    } else {
      lab.in(router, "ip", "route", "del", "198.51.100.53/32");
    }
  }

  /** Sets every metadata address's policy at once. */
  public void policyAll(String policy) {
    for (String a : METADATA_V4) {
      policy(a, policy);
    }
    policy(METADATA_V6, policy);
  }

  /** Runs a command in a lab namespace. */
  /** Writes a file under a namespace's /etc (its resolv.conf, say) as the pod sees it. */
  public void etc(String ns, String name, String content) {
    lab.etc(ns, name, content);
  }

  public String in(String ns, String... command) {
    return lab.in(ns, command);
  }

  /** One run of the agent in the pod namespace. */
  public record AgentRun(int exit, String stdout, String stderr, long wallMs, Path resultFile) {
    /** The facts: the last line of stdout. */
    public Facts facts() {
      String[] lines = stdout.strip().split("\n");
      return FactsJson.read(lines[lines.length - 1]);
    }

    public String resultFileContent() throws IOException {
      return Files.readString(resultFile, StandardCharsets.UTF_8);
    }
  }

  /**
   * Runs {@code probe} with the given flags in the pod namespace, the lab CA trusted, and extra JVM
   * flags and environment.
   */
  public AgentRun probe(List<String> flags, List<String> jvmFlags, Map<String, String> env)
      throws IOException, InterruptedException {
    Path result = Files.createTempFile(workDir, "result", ".json");
    List<String> cmd = new ArrayList<>(JavaCommand.java());
    cmd.addAll(ca.trustFlags());
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", JavaCommand.classpath(), "io.imdsprober.cli.Launcher", "probe"));
    cmd.addAll(List.of("--result-file", result.toString(), "--pod-name", "probe-test"));
    cmd.addAll(flags);
    return run(cmd, result, env);
  }

  /** The lab CA's trust store (PKCS12, password {@link TestCa#PASSWORD}). */
  public Path trustStore() {
    return ca.trustStore();
  }

  /**
   * Runs an agent command of the caller's (a jar, a container) in the pod namespace; {@code
   * resultFile} is where its {@code --result-file} lands on this machine.
   */
  public AgentRun run(List<String> command, Path resultFile, Map<String, String> env)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", pod));
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Path out = Files.createTempFile(workDir, "stdout", ".txt");
    Path err = Files.createTempFile(workDir, "stderr", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    long start = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("the agent did not finish in 120 s");
    }
    long wall = (System.nanoTime() - start) / 1_000_000;
    return new AgentRun(
        p.exitValue(), Files.readString(out), Files.readString(err), wall, resultFile);
  }

  @Override
  public void close() {
    lab.close();
  }
}
