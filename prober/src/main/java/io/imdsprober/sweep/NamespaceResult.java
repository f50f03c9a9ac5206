package io.imdsprober.sweep;

import io.imdsprober.facts.Facts;
import io.imdsprober.policy.Comparison;
import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Judgement;
import java.util.Objects;

/**
 * One namespace's outcome in a sweep.
 *
 * @param namespace its name
 * @param judgement the verdict and its deciding fact or failure reason
 * @param facts the agent's facts, or null when there are none
 * @param detail for errors, what the API server, the pod or the agent said; empty otherwise
 * @param expectations the expectations in force for the namespace, or null when unknown
 * @param policy the namespace's prediction by policy against its probe, or null when there is none
 *     (the pods or NetworkPolicies could not be listed)
 * @param pool the node pool the probe ran in (or, without facts, the pool it was pinned to), or
 *     null when unknown
 */
public record NamespaceResult(
    String namespace,
    Judgement judgement,
    Facts facts,
    String detail,
    Expectations expectations,
    Comparison policy,
    String pool) {
  public NamespaceResult {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(judgement, "judgement");
    detail = detail == null ? "" : detail;
  }

  public NamespaceResult(String namespace, Judgement judgement, Facts facts, String detail) {
    this(namespace, judgement, facts, detail, null, null, null);
  }

  /** The same result, with the expectations that were in force. */
  public NamespaceResult withExpectations(Expectations in) {
    return new NamespaceResult(namespace, judgement, facts, detail, in, policy, pool);
  }

  /** The same result, with its prediction by policy and the judgement that follows from both. */
  public NamespaceResult withPolicy(Judgement j, Comparison p) {
    return new NamespaceResult(namespace, j, facts, detail, expectations, p, pool);
  }

  /** The same result, with the node pool its probe ran in (or was pinned to). */
  public NamespaceResult withPool(String p) {
    return new NamespaceResult(namespace, judgement, facts, detail, expectations, policy, p);
  }

  static NamespaceResult failed(String namespace, Failure failure) {
    return new NamespaceResult(
        namespace, io.imdsprober.verdict.Judgement.error(failure.reason()), null, failure.detail());
  }
}
