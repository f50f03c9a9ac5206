package io.imdsprober.policy;

import io.imdsprober.facts.FactWord;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.TcpResult;

/**
 * What the probe saw for one metadata target, as the comparison with policy reads it. Pure.
 *
 * <p>An IPv6 target that answered {@code unreachable} at once ({@value #AT_ONCE_MS} ms or less) is
 * {@link #NO_IPV6}: in a pod without IPv6 the connect fails with "Network is unreachable" before a
 * packet leaves (DESIGN.md, metadata catalog). That is a correct "blocked" for the verdict, but it
 * tests no policy: neither the CNI's enforcement (so never {@code not-enforced} evidence) nor a
 * firewall (so never {@code blocked-elsewhere}: an IPv4-only cluster whose policy allows {@code
 * ::/0} is not blocked elsewhere, it has no IPv6). A local reject of the pod's own (an ICMPv6 error
 * from its network namespace) answers as fast and is not told apart; it is treated the same, which
 * claims no drift either way and never claims a workload safe that its policy allows: a workload
 * allowed to that target is still listed in {@code mayReach}. It is not made an exposure: the
 * target is unreachable for pods, and for a hostNetwork pod whether the node has IPv6 is not known
 * (calling it exposed would page every IPv4-only cluster that runs one).
 */
public enum Observed implements FactWord {
  /** The connect succeeded (open or gated): the target is reachable from the probe pod. */
  REACHED,
  /** Timeout, refused, or unreachable after a while: something dropped or rejected it. */
  BLOCKED,
  /** An IPv6 target unreachable at once: the pod has no IPv6 route; no policy was tested. */
  NO_IPV6,
  /** No fact, or a check error that says nothing about the path: not compared. */
  NONE;

  /** The bound under which an IPv6 {@code unreachable} counts as "no IPv6 in the pod". */
  public static final long AT_ONCE_MS = 100;

  /** The observation of one metadata fact, or {@link #NONE} for null. */
  public static Observed of(MetadataFact m, boolean ipv6) {
    if (m == null) {
      return NONE;
    }
    if (m.tcp() == TcpResult.CONNECTED) {
      return REACHED;
    }
    if (m.tcp() == TcpResult.ERROR) {
      return NONE;
    }
    if (ipv6
        && m.tcp() == TcpResult.UNREACHABLE
        && m.connectMs() != null
        && m.connectMs() <= AT_ONCE_MS) {
      return NO_IPV6;
    }
    return BLOCKED;
  }
}
