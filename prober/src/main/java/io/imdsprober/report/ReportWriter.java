package io.imdsprober.report;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a sweep's OpenReports (when {@code reports.enabled}): creates or updates the {@code
 * imds-prober} Report of each target namespace, and deletes the prober's Reports in namespaces the
 * sweep no longer targets. A failure is logged and said once, never fatal to the sweep.
 */
public final class ReportWriter {
  private static final Logger logger = LoggerFactory.getLogger(ReportWriter.class);

  private final KubernetesClient client;
  private final String cluster;

  /**
   * @param cluster this cluster's name (key cluster.name), a property of every result; empty: none
   */
  public ReportWriter(KubernetesClient client, String cluster) {
    this.client = client;
    this.cluster = cluster;
  }

  /**
   * Writes the reports of a sweep that ran (one that probed nothing writes and deletes nothing).
   *
   * @return how many Reports could not be written or deleted
   */
  public int write(SweepResult sweep) {
    if (sweep.fatal() != null) {
      return 0;
    }
    int failed = 0;
    for (GenericKubernetesResource report : OpenReports.of(sweep, cluster)) {
      failed += put(report);
    }
    return failed + deleteUntargeted(sweep);
  }

  /**
   * Writes one namespace's report as soon as its result is known.
   *
   * @return 1 when it could not be written, else 0
   */
  public int writeOne(String sweepId, NamespaceResult result) {
    int failed = 0;
    for (GenericKubernetesResource report :
        OpenReports.of(
            new SweepResult(sweepId, java.time.Instant.now(), 0, java.util.List.of(result), null),
            cluster)) {
      failed += put(report);
    }
    return failed;
  }

  private int put(GenericKubernetesResource report) {
    String ns = report.getMetadata().getNamespace();
    try {
      client
          .genericKubernetesResources(OpenReports.CONTEXT)
          .inNamespace(ns)
          .resource(report)
          .createOr(NonDeletingOperation::update);
      return 0;
    } catch (KubernetesClientException e) {
      logger.warn("{}: could not write its OpenReports Report: {}", ns, e.getMessage());
      return 1;
    }
  }

  /**
   * Deletes the reports of namespaces a sweep that ran no longer targets.
   *
   * @return how many Reports could not be listed or deleted
   */
  public int deleteUntargeted(SweepResult sweep) {
    if (sweep.fatal() != null) {
      return 0;
    }
    int failed = 0;
    Set<String> targeted = new HashSet<>();
    for (NamespaceResult r : sweep.namespaces()) {
      targeted.add(r.namespace());
    }
    List<GenericKubernetesResource> ours;
    try {
      ours =
          client
              .genericKubernetesResources(OpenReports.CONTEXT)
              .inAnyNamespace()
              .withLabel(OpenReports.MANAGED_BY_LABEL, OpenReports.MANAGED_BY)
              .list()
              .getItems();
    } catch (KubernetesClientException e) {
      logger.warn("could not list the prober's OpenReports Reports: {}", e.getMessage());
      return failed + 1;
    }
    for (GenericKubernetesResource old : ours) {
      String ns = old.getMetadata().getNamespace();
      if (!targeted.contains(ns) && OpenReports.NAME.equals(old.getMetadata().getName())) {
        try {
          client
              .genericKubernetesResources(OpenReports.CONTEXT)
              .inNamespace(ns)
              .withName(OpenReports.NAME)
              .delete();
          logger.info("{}: no longer targeted; its OpenReports Report deleted", ns);
        } catch (KubernetesClientException e) {
          failed++;
          logger.warn("{}: could not delete its OpenReports Report: {}", ns, e.getMessage());
        }
      }
    }
    return failed;
  }
}
