package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.policy.Comparison;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.chain.ClusterTiers;
import io.imdsprober.verdict.Expectations;
import io.imdsprober.verdict.Judgement;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep's results with each namespace's prediction by policy (DESIGN.md "Policy coverage"),
 * compared with the probe's facts target by target ({@link Comparison}): where the probe was
 * blocked by its policy on some metadata target and some workload label set may reach that target
 * by policy (or is hostNetwork), the probe was not representative and the namespace is {@code
 * exposed}, with reason {@value #REASON} naming the workloads and the allowing policies. Pure.
 */
public final class PolicyPredictions {
  /** The reason of a namespace exposed by policy while its probe was blocked. */
  public static final String REASON = "workload-exposed-by-policy";

  private PolicyPredictions() {}

  /**
   * @param results the sweep's results
   * @param targets the sweep's targets, by namespace (for the probe pod's labels)
   * @param listing the cluster's slim pods, NetworkPolicies and foreign policy kinds ({@link
   *     ClusterPolicies})
   * @param config the configuration (probe labels)
   * @param metadata the metadata targets probed, as {@code [tcp=]HOST:PORT} words
   * @param sweepId the sweep, for the probe pod's own labels
   */
  public static List<NamespaceResult> apply(
      List<NamespaceResult> results,
      Map<String, Target> targets,
      ClusterPolicies.Listing listing,
      Config config,
      List<String> metadata,
      String sweepId) {
    List<Destination> destinations = destinations(metadata);
    Map<String, List<HasMetadata>> byNamespace = new HashMap<>();
    for (HasMetadata o : listing.objects()) {
      String ns = o.getMetadata().getNamespace();
      byNamespace
          .computeIfAbsent(ns == null || ns.isEmpty() ? "default" : ns, k -> new ArrayList<>())
          .add(o);
    }
    // the admin and baseline tiers act on every namespace: read once
    ClusterTiers tiers = ClusterTiers.of(listing.objects());
    List<NamespaceResult> out = new ArrayList<>();
    for (NamespaceResult r : results) {
      Target t = targets.get(r.namespace());
      if (t == null || r.judgement().verdict() == Verdict.SKIPPED || destinations.isEmpty()) {
        out.add(r);
        continue;
      }
      Map<String, String> probeLabels = new LinkedHashMap<>(config.get(Keys.PROBE_LABELS));
      probeLabels.putAll(t.probeLabels());
      probeLabels.putAll(ProbeJobs.ownLabels(sweepId));
      Comparison c =
          Comparison.of(
              r.namespace(),
              r.judgement().verdict(),
              r.facts() == null ? List.of() : r.facts().metadata(),
              probeLabels,
              byNamespace.getOrDefault(r.namespace(), List.of()),
              destinations,
              listing.foreign().in(r.namespace()),
              listing.undecided().getOrDefault(r.namespace(), List.of()),
              tiers);
      out.add(r.withPolicy(c.exposed() ? exposed(r, c) : r.judgement(), c));
    }
    return out;
  }

  private static Judgement exposed(NamespaceResult r, Comparison c) {
    Judgement j = r.judgement();
    Expectations e = r.expectations() == null ? Expectations.DEFAULT : r.expectations();
    Boolean metadataOk = e.metadata() == Expectations.Metadata.BLOCKED ? false : j.metadataOk();
    return new Judgement(
        Verdict.EXPOSED,
        REASON + ": " + String.join("; ", c.mayReach()),
        metadataOk,
        j.dnsOk(),
        j.egressOk());
  }

  /** The IP targets among the probed words ({@code tcp=} stripped); a host name is left out. */
  static List<Destination> destinations(List<String> words) {
    List<Destination> out = new ArrayList<>();
    for (String w : words) {
      String hostPort = w.startsWith("tcp=") ? w.substring(4) : w;
      try {
        out.add(Destinations.parse(hostPort));
      } catch (IllegalArgumentException notAnIp) {
        // a name: the policy check judges IP destinations only
      }
    }
    return out;
  }
}
