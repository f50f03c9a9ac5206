package io.imdsprober.verdict;

import io.imdsprober.facts.DnsResult;
import io.imdsprober.facts.EgressResult;
import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns facts and expectations into a verdict. Pure: no I/O, no clock, and total: it returns a
 * verdict for any {@link Facts} it is given, never throws. Platform-served targets (EKS Pod
 * Identity, a GKE metadata server on Workload Identity nodes) are reported in the facts and named
 * in the reason, but never decide the verdict (DESIGN.md "Verdicts").
 */
public final class Judge {
  /** The reason of a facts document without a single metadata target. */
  public static final String NO_METADATA_FACTS = Failure.INCOMPLETE_RESULT;

  /** The reason of a metadata target whose connect the agent could not classify. */
  public static final String CHECK_ERROR = "check-error";

  private static final Set<EgressResult> EGRESS_BLOCKED =
      EnumSet.of(EgressResult.TIMEOUT, EgressResult.REFUSED, EgressResult.UNREACHABLE);

  private final Map<String, String> platformTargets;

  /**
   * A judge for which the given {@code host:port} targets are served by the platform on purpose.
   *
   * @param platformTargets each such target, with what serves it (for the reason): for example
   *     {@code 169.254.169.254:80} to {@code the GKE metadata server (Workload Identity)}
   */
  public Judge(Map<String, String> platformTargets) {
    this.platformTargets = Map.copyOf(platformTargets);
  }

  /** How one metadata target ended, from the verdict's point of view. */
  enum TargetState {
    BLOCKED,
    /** Answered its safe request (2xx), gave a token, or accepted as a TCP-only target. */
    OPEN,
    /** Connected, but the answer was gated: a non-2xx status or no answer, and no token. */
    GATED,
    UNKNOWN
  }

  static TargetState state(MetadataFact m) {
    if (m.tcp() == TcpResult.ERROR) {
      return TargetState.UNKNOWN;
    }
    if (m.tcp() != TcpResult.CONNECTED) {
      return TargetState.BLOCKED;
    }
    if (m.mode() != RequestMode.HTTP
        || m.token() == TokenResult.OBTAINED
        || m.http() != null && m.http() / 100 == 2) {
      // a connected target with no known request mode counts as TCP only: open
      return TargetState.OPEN;
    }
    return TargetState.GATED;
  }

  /** The verdict for one namespace's facts. */
  public Judgement judge(Facts facts, Expectations expect) {
    List<MetadataFact> judged = new ArrayList<>();
    List<MetadataFact> platform = new ArrayList<>();
    for (MetadataFact m : facts.metadata()) {
      (platformTargets.containsKey(m.target()) ? platform : judged).add(m);
    }
    if (judged.isEmpty() && platform.isEmpty()) {
      return Judgement.error(NO_METADATA_FACTS);
    }
    MetadataFact open = first(judged, TargetState.OPEN);
    MetadataFact gated = first(judged, TargetState.GATED);
    MetadataFact unknown = first(judged, TargetState.UNKNOWN);
    if (open == null && gated == null && unknown != null) {
      return Judgement.error(CHECK_ERROR);
    }
    String dnsProblem = dnsProblem(facts.dns(), expect.dns());
    String egressProblem = egressProblem(facts.egress(), expect.egress());
    boolean dnsOk = dnsProblem == null;
    boolean egressOk = egressProblem == null;
    boolean expectBlocked = expect.metadata() == Expectations.Metadata.BLOCKED;

    if (open != null) {
      return new Judgement(Verdict.EXPOSED, describe(open), !expectBlocked, dnsOk, egressOk);
    }
    if (gated != null) {
      return new Judgement(Verdict.REACHABLE, describe(gated), !expectBlocked, dnsOk, egressOk);
    }
    // every judged target blocked (or none but platform-served ones)
    String note = platformNote(platform);
    String blocked =
        judged.isEmpty()
            ? note
            : "metadata blocked (" + summary(judged) + ")" + (note.isEmpty() ? "" : "; " + note);
    if (!expectBlocked) {
      return new Judgement(
          Verdict.DEGRADED, blocked + " but expected reachable", false, dnsOk, egressOk);
    }
    if (!dnsOk || !egressOk) {
      String why =
          dnsOk ? egressProblem : egressOk ? dnsProblem : dnsProblem + ", " + egressProblem;
      return new Judgement(Verdict.DEGRADED, blocked + ", but " + why, true, dnsOk, egressOk);
    }
    return new Judgement(Verdict.PROTECTED, blocked, true, true, true);
  }

  private static MetadataFact first(List<MetadataFact> facts, TargetState state) {
    for (MetadataFact m : facts) {
      if (state(m) == state) {
        return m;
      }
    }
    return null;
  }

  /** {@code 169.254.169.254:80 is the GKE metadata server (…) (connected)}, one per target. */
  private String platformNote(List<MetadataFact> platform) {
    StringBuilder sb = new StringBuilder();
    for (MetadataFact m : platform) {
      sb.append(sb.length() == 0 ? "" : "; ")
          .append(m.target())
          .append(" is ")
          .append(platformTargets.get(m.target()))
          .append(" (")
          .append(m.tcp().word())
          .append(')');
    }
    return sb.toString();
  }

  private static String describe(MetadataFact m) {
    if (m.mode() == RequestMode.TCP) {
      return m.target() + " accepted a TCP connection";
    }
    StringBuilder sb = new StringBuilder(m.target()).append(" connected");
    sb.append(m.http() == null ? ", no HTTP answer" : ", HTTP " + m.http());
    if (m.token() != null && m.token() != TokenResult.NOT_TRIED) {
      sb.append(", token ").append(m.token().word());
    }
    return sb.toString();
  }

  private static String summary(List<MetadataFact> facts) {
    StringBuilder sb = new StringBuilder();
    for (MetadataFact m : facts) {
      sb.append(sb.length() == 0 ? "" : ", ").append(m.target()).append(' ').append(m.tcp().word());
    }
    return sb.toString();
  }

  /** Null when DNS is as expected; otherwise what is not. */
  static String dnsProblem(List<DnsFact> dns, Expectations.Dns expect) {
    if (expect == Expectations.Dns.ANY) {
      return null;
    }
    if (dns.isEmpty()) {
      return "no DNS check to show DNS works";
    }
    for (DnsFact d : dns) {
      if (d.result() != DnsResult.OK) {
        return "dns " + d.name() + " " + d.result().word();
      }
    }
    return null;
  }

  /** Null when egress is as expected; otherwise what is not. */
  static String egressProblem(List<EgressFact> egress, Expectations.Egress expect) {
    if (expect == Expectations.Egress.ANY) {
      return null;
    }
    if (egress.isEmpty()) {
      return "no egress check to show egress is " + expect.word();
    }
    for (EgressFact e : egress) {
      boolean ok =
          expect == Expectations.Egress.OK
              ? e.result() == EgressResult.OK
              : EGRESS_BLOCKED.contains(e.result());
      if (!ok) {
        return "egress " + e.url() + " " + e.result().word() + " (expected " + expect.word() + ")";
      }
    }
    return null;
  }
}
