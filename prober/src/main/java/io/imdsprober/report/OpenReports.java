package io.imdsprober.report;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.imdsprober.compliance.Reference;
import io.imdsprober.compliance.References;
import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.verdict.Judgement;
import io.imdsprober.verdict.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sweep as OpenReports {@code Report}s (openreports.io/v1alpha1, what Kyverno's Policy Reporter
 * and other policy UIs read): one per target namespace, named {@code imds-prober}, scoped to the
 * Namespace, with one result per check (metadata, dns, egress). Every untrusted string is cleaned
 * and bounded ({@link Bounds}). Pure.
 */
public final class OpenReports {
  public static final String API_VERSION = "openreports.io/v1alpha1";
  public static final String KIND = "Report";
  public static final String NAME = "imds-prober";
  public static final String SOURCE = "imds-prober";
  public static final String POLICY = "imds-metadata-access";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "imds-prober";

  /** The Report resource, for the client without discovery. */
  public static final ResourceDefinitionContext CONTEXT =
      new ResourceDefinitionContext.Builder()
          .withGroup("openreports.io")
          .withVersion("v1alpha1")
          .withKind(KIND)
          .withPlural("reports")
          .withNamespaced(true)
          .build();

  private static final List<String> CHECKS = List.of("metadata", "dns", "egress");

  private OpenReports() {}

  /**
   * One Report per namespace of the sweep, by namespace.
   *
   * @param cluster this cluster's name (key cluster.name, already checked), a property of every
   *     result so that a fleet's reports gathered in one place say where they come from; empty:
   *     none
   */
  public static List<GenericKubernetesResource> of(SweepResult sweep, String cluster) {
    Instant at = sweep.started().plusMillis(sweep.durationMs());
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (NamespaceResult r : sweep.namespaces()) {
      out.add(report(r, sweep.id(), cluster, at));
    }
    return out;
  }

  static GenericKubernetesResource report(
      NamespaceResult r, String sweepId, String cluster, Instant at) {
    List<Map<String, Object>> results = new ArrayList<>();
    Map<String, Integer> summary = new LinkedHashMap<>();
    for (String s : List.of("pass", "fail", "warn", "error", "skip")) {
      summary.put(s, 0);
    }
    for (String check : CHECKS) {
      Map<String, Object> result = result(r, check, sweepId, cluster, at);
      summary.merge((String) result.get("result"), 1, Integer::sum);
      results.add(result);
    }
    Map<String, Object> scope = new LinkedHashMap<>();
    scope.put("apiVersion", "v1");
    scope.put("kind", "Namespace");
    String ns = Bounds.name(r.namespace());
    scope.put("name", ns);
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(API_VERSION)
        .withKind(KIND)
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(ns)
        .addToLabels(MANAGED_BY_LABEL, MANAGED_BY)
        .endMetadata()
        .addToAdditionalProperties("source", SOURCE)
        .addToAdditionalProperties("scope", scope)
        .addToAdditionalProperties("summary", summary)
        .addToAdditionalProperties("results", results)
        .build();
  }

  private static Map<String, Object> result(
      NamespaceResult r, String check, String sweepId, String cluster, Instant at) {
    Judgement j = r.judgement();
    String outcome;
    String severity;
    String message;
    if (j.verdict() == Verdict.SKIPPED) {
      outcome = "skip";
      severity = "info";
      message = "the namespace opted out (imds-prober.io/skip)";
    } else if (j.verdict() == Verdict.ERROR) {
      outcome = "error";
      severity = "medium";
      message = "no verdict: " + j.reason() + (r.detail().isEmpty() ? "" : ": " + r.detail());
    } else {
      Boolean ok =
          switch (check) {
            case "metadata" -> j.metadataOk();
            case "dns" -> j.dnsOk();
            default -> j.egressOk();
          };
      boolean pass = Boolean.TRUE.equals(ok);
      if (pass) {
        outcome = "pass";
        severity = "info";
      } else if (check.equals("metadata") && j.verdict() == Verdict.EXPOSED) {
        outcome = "fail";
        severity = "critical";
      } else if (check.equals("metadata")) {
        outcome = "fail";
        severity = "high";
      } else {
        // a positive control failed: the probe cannot tell a working policy from a dead network
        outcome = "warn";
        severity = "medium";
      }
      message = j.verdict().word() + ": " + j.reason();
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("source", SOURCE);
    result.put("policy", POLICY);
    result.put("rule", check);
    result.put("category", "Cloud instance metadata");
    result.put("severity", severity);
    result.put("timestamp", Map.of("seconds", at.getEpochSecond(), "nanos", at.getNano()));
    result.put("result", outcome);
    result.put(
        "resources",
        List.of(
            Map.of("apiVersion", "v1", "kind", "Namespace", "name", Bounds.name(r.namespace()))));
    result.put("message", Bounds.text(message));
    result.put("properties", properties(r, check, sweepId, cluster));
    return result;
  }

  /**
   * The deciding facts of one check, as strings; the metadata check's also name the entries of the
   * frameworks auditors use that it maps to (framework key: entry id, {@link References}).
   */
  private static Map<String, String> properties(
      NamespaceResult r, String check, String sweepId, String cluster) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("verdict", r.judgement().verdict().word());
    p.put("sweep", Bounds.name(sweepId));
    if (!cluster.isEmpty()) {
      p.put("cluster", cluster);
    }
    if (check.equals("metadata")) {
      for (Reference ref : References.metadataCheck()) {
        p.put(ref.framework(), ref.id());
      }
    }
    if (r.expectations() != null) {
      p.put(
          "expected",
          switch (check) {
            case "metadata" -> r.expectations().metadata().word();
            case "dns" -> r.expectations().dns().word();
            default -> r.expectations().egress().word();
          });
    }
    Facts f = CleanFacts.of(r.facts());
    if (f == null) {
      return p;
    }
    p.put("pod", f.pod());
    if (f.node() != null) {
      p.put("node", f.node());
    }
    // a fact's own word (a DNS name "verdict") never overwrites the prober's keys
    switch (check) {
      case "metadata" -> {
        for (MetadataFact m : f.metadata()) {
          p.putIfAbsent(
              m.target(), m.tcp().word() + (m.http() == null ? "" : ", HTTP " + m.http()));
        }
      }
      case "dns" -> {
        for (DnsFact d : f.dns()) {
          p.putIfAbsent(d.name(), d.result().word());
        }
      }
      default -> {
        for (EgressFact e : f.egress()) {
          p.putIfAbsent(
              e.url(), e.result().word() + (e.http() == null ? "" : ", HTTP " + e.http()));
        }
      }
    }
    return p;
  }
}
