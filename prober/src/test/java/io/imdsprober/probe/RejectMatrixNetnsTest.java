package io.imdsprober.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.lab.NetLab;
import io.imdsprober.lab.ProbeLab;
import io.imdsprober.lab.ProbeLab.AgentRun;
import io.imdsprober.lab.Tools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a firewall refuses a connect, on IPv4 and IPv6, is a blocked word: iptables and
 * ip6tables REJECT styles in the router's FORWARD chain, prohibit routes, and REJECT and DROP in
 * the pod's own OUTPUT chain (what a per-pod dataplane does). All inside network namespaces this
 * test makes; the metadata addresses exist only there (root, ip and iptables needed; skipped
 * otherwise, failed under CI=true).
 */
@Tag("netns")
@DisplayName("reject matrix in network namespaces (needs root, ip and iptables)")
class RejectMatrixNetnsTest {
  private static final String A = "169.254.169.254";
  private static final String B = "168.63.129.16";
  private static final String C = "100.100.100.200";
  private static final String V6 = ProbeLab.METADATA_V6;

  @TempDir static Path work;
  private static ProbeLab lab;

  /**
   * One way to refuse: where (the router's FORWARD chain, a route, or the pod's own OUTPUT chain),
   * the rule, and the word the agent must give.
   */
  record Case(String address, String where, String rule, TcpResult expected) {
    boolean v6() {
      return address.contains(":");
    }

    String target() {
      return (v6() ? "[" + address + "]" : address) + ":80";
    }
  }

  static Case fwd(String address, String rejectWith, TcpResult expected) {
    return new Case(address, "router", "REJECT --reject-with " + rejectWith, expected);
  }

  static Case pod(String address, String rule, TcpResult expected) {
    return new Case(address, "pod", rule, expected);
  }

  static Case route(String address, String route, TcpResult expected) {
    return new Case(address, "route", route, expected);
  }

  /** Rounds of cases, each address at most once per round: one agent run per round. */
  static final List<List<Case>> ROUNDS =
      List.of(
          List.of(
              fwd(A, "icmp-net-unreachable", TcpResult.UNREACHABLE),
              fwd(B, "icmp-host-unreachable", TcpResult.UNREACHABLE),
              fwd(C, "icmp-proto-unreachable", TcpResult.UNREACHABLE),
              fwd(V6, "icmp6-adm-prohibited", TcpResult.UNREACHABLE)),
          List.of(
              fwd(A, "icmp-net-prohibited", TcpResult.UNREACHABLE),
              fwd(B, "icmp-host-prohibited", TcpResult.UNREACHABLE),
              fwd(C, "icmp-admin-prohibited", TcpResult.UNREACHABLE),
              fwd(V6, "icmp6-no-route", TcpResult.UNREACHABLE)),
          List.of(
              fwd(A, "icmp-port-unreachable", TcpResult.REFUSED),
              fwd(B, "tcp-reset", TcpResult.REFUSED),
              fwd(V6, "icmp6-addr-unreachable", TcpResult.UNREACHABLE)),
          List.of(
              pod(A, "REJECT", TcpResult.REFUSED),
              pod(B, "DROP", TcpResult.TIMEOUT),
              pod(C, "REJECT --reject-with icmp-admin-prohibited", TcpResult.UNREACHABLE),
              fwd(V6, "icmp6-port-unreachable", TcpResult.REFUSED)),
          List.of(
              route(A, "prohibit", TcpResult.UNREACHABLE), fwd(V6, "tcp-reset", TcpResult.REFUSED)),
          List.of(fwd(V6, "icmp6-policy-fail", TcpResult.UNREACHABLE)),
          List.of(fwd(V6, "icmp6-reject-route", TcpResult.UNREACHABLE)),
          List.of(route(V6, "prohibit", TcpResult.UNREACHABLE)),
          List.of(pod(V6, "REJECT", TcpResult.REFUSED)),
          List.of(pod(V6, "DROP", TcpResult.TIMEOUT)),
          List.of(pod(V6, "REJECT --reject-with icmp6-adm-prohibited", TcpResult.UNREACHABLE)));

  @BeforeAll
  static void startLab() throws Exception {
    NetLab.requireNetns();
    Tools.require("iptables", "iptables");
    Tools.require("ip6tables", "iptables");
    lab = new ProbeLab(work);
  }

  @AfterAll
  static void stopLab() {
    if (lab != null) {
      lab.close();
    }
  }

  private static void apply(Case c, boolean add) {
    if (c.where().equals("route")) {
      lab.policy(c.address(), add ? c.rule() : "open");
      return;
    }
    boolean router = c.where().equals("router");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                c.v6() ? "ip6tables" : "iptables",
                add ? "-A" : "-D",
                router ? "FORWARD" : "OUTPUT",
                "-d",
                c.address(),
                "-p",
                "tcp"));
    cmd.addAll(List.of(("-j " + c.rule()).split(" ")));
    lab.in(router ? lab.router : lab.pod, cmd.toArray(String[]::new));
  }

  @Test
  @DisplayName(
      "each REJECT style, prohibit route and pod-side rule gets its blocked word, never error")
  void everyStyleIsBlocked() throws Exception {
    lab.policyAll("open");
    List<String> seen = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    for (List<Case> round : ROUNDS) {
      List<String> flags =
          new ArrayList<>(
              // 2 s, not 1 s: an ICMP error that a veth delivers during the connect call itself
              // is a soft error the JDK never reads; the SYN the kernel sends again at 1 s gets
              // the same error as a hard one, which the JDK reports (see README, "The words")
              List.of("--profile", "generic", "--connect-timeout", "2s", "--retries", "0"));
      for (Case c : round) {
        apply(c, true);
        flags.addAll(List.of("--metadata", c.target()));
      }
      flags.addAll(List.of("--egress-url", "https://" + ProbeLab.EGRESS_HOST + "/"));
      AgentRun run;
      try {
        run = lab.probe(flags, List.of(), Map.of());
      } finally {
        for (Case c : round) {
          apply(c, false);
        }
      }
      assertThat(run.exit()).as(run.stderr()).isZero();
      Facts facts = run.facts();
      for (Case c : round) {
        MetadataFact m =
            facts.metadata().stream()
                .filter(f -> f.target().equals(c.target()))
                .findFirst()
                .orElseThrow();
        String line =
            c.where()
                + " "
                + c.address()
                + " "
                + c.rule()
                + " -> "
                + m.tcp().word()
                + " in "
                + m.connectMs()
                + " ms";
        seen.add(line);
        if (m.tcp() != c.expected()) {
          wrong.add(line + ", expected " + c.expected().word() + "; errors: " + facts.errors());
        }
      }
    }
    System.out.println("reject matrix:\n  " + String.join("\n  ", seen));
    assertThat(wrong).as("styles with the wrong word").isEmpty();
  }
}
