package io.imdsprober.probe;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Paths the agent must never ask a metadata service for: credentials, identity tokens and user data
 * (DESIGN.md's never-request list). Every request is checked against it before it is sent.
 */
public final class NeverRequest {
  /** The list, as patterns over the request path (query included), lower-cased. */
  public static final List<Pattern> PATTERNS =
      List.of(
          Pattern.compile(".*/meta-data/iam(/.*)?"), // AWS instance role credentials
          Pattern.compile(".*identity-credentials.*"), // AWS
          Pattern.compile(".*user-?data.*"), // AWS user-data, Azure userData
          Pattern.compile("/computemetadata/.*/(token|identity)([/?].*)?"), // GCP
          Pattern.compile(".*attributes/kube-env.*"), // GKE
          Pattern.compile("/metadata/identity(/.*|\\?.*)?"), // Azure managed identity
          Pattern.compile("/opc/[^/]+/identity(/.*)?"), // OCI
          Pattern.compile(".*ram/security-credentials.*"), // Alibaba
          Pattern.compile("/v2/credentials(/.*)?"), // ECS task role
          Pattern.compile("/v1/credentials(/.*)?")); // EKS Pod Identity

  private NeverRequest() {}

  /** Whether a path is on the never-request list. */
  public static boolean forbids(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    return PATTERNS.stream().anyMatch(pattern -> pattern.matcher(p).matches());
  }

  /** Fails before a forbidden path can be sent. */
  static void requireAllowed(String path) {
    if (forbids(path)) {
      throw new IllegalStateException("refusing to request a credential path: " + path);
    }
  }
}
