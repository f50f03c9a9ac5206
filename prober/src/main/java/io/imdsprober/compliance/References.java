package io.imdsprober.compliance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The references auditors use, per finding kind: the one home of the mapping that the JSON report,
 * the OpenReports results and the runbook's table carry. Every finding of this tool is about pods
 * reaching the cloud instance metadata service, so each kind maps to the same entries today; the
 * map is per kind so that a kind can gain or lose one without touching the readers.
 */
public final class References {
  /** MITRE ATT&CK: Unsecured Credentials, Cloud Instance Metadata API. */
  public static final Reference MITRE_ATTACK =
      new Reference(
          "mitre-attack",
          "T1552.005",
          "Unsecured Credentials: Cloud Instance Metadata API",
          "https://attack.mitre.org/techniques/T1552/005/");

  /** CIS Google Kubernetes Engine Benchmark, node metadata. */
  public static final Reference CIS_GKE =
      new Reference(
          "cis-gke",
          "5.4.1",
          "Ensure legacy Compute Engine instance metadata APIs are Disabled",
          "https://cloud.google.com/kubernetes-engine/docs/concepts/cis-benchmarks");

  /** The EKS best practices guide, identity and access management. */
  public static final Reference EKS_BEST_PRACTICES =
      new Reference(
          "eks-best-practices",
          "restrict-access-to-the-instance-profile",
          "Restrict access to the instance profile assigned to the worker node",
          "https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html");

  /** Kubescape's control for pods that can reach the metadata API. */
  public static final Reference KUBESCAPE =
      new Reference(
          "kubescape", "C-0052", "Instance Metadata API", "https://hub.armosec.io/docs/c-0052");

  private static final List<Reference> METADATA_ACCESS =
      List.of(MITRE_ATTACK, CIS_GKE, EKS_BEST_PRACTICES, KUBESCAPE);

  /**
   * The finding kinds and their references: the verdicts that are findings ({@code exposed}: a pod
   * took an answer from the metadata service; {@code reachable}: its port is open, a cloud setting
   * gates the answer) and the policy drift that pages ({@code not-enforced}: the CNI does not apply
   * the policy that should block it).
   */
  public static final Map<String, List<Reference>> BY_FINDING = byFinding();

  private References() {}

  private static Map<String, List<Reference>> byFinding() {
    Map<String, List<Reference>> m = new LinkedHashMap<>();
    m.put("exposed", METADATA_ACCESS);
    m.put("reachable", METADATA_ACCESS);
    m.put("not-enforced", METADATA_ACCESS);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The references of a finding kind, or empty when the word is not a finding. */
  public static Optional<List<Reference>> of(String findingKind) {
    return Optional.ofNullable(BY_FINDING.get(findingKind));
  }

  /**
   * The references of the metadata check itself (what a pass proves and a fail breaks): those of an
   * exposure.
   */
  public static List<Reference> metadataCheck() {
    return METADATA_ACCESS;
  }
}
