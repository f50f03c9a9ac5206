package io.imdsprober.verdict;

import io.imdsprober.facts.FactWord;

/** A namespace's verdict (DESIGN.md "Verdicts"). */
public enum Verdict implements FactWord {
  /** A metadata target answered its safe request, gave a token, or a TCP-only one accepted. */
  EXPOSED,
  /** A metadata port is open but the answer was gated (401 with the token timing out, 403). */
  REACHABLE,
  /** Every metadata target blocked and DNS and egress as expected. */
  PROTECTED,
  /** Metadata blocked, but DNS or egress not as expected: a dead network looks the same. */
  DEGRADED,
  /** No facts, or facts that cannot be judged. Never counted as protected. */
  ERROR,
  /** Opted out by annotation. */
  SKIPPED
}
