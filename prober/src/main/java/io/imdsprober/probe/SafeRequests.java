package io.imdsprober.probe;

import io.imdsprober.facts.Fingerprint;
import io.imdsprober.facts.Profile;
import io.imdsprober.probe.HttpExchange.Reply;
import io.imdsprober.probe.HttpExchange.Request;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one safe request per profile (DESIGN.md "Probe facts"), with the header an attacker would
 * add, and how a reply is attributed to a cloud.
 */
final class SafeRequests {
  /** The AWS IMDSv2 token request: TTL 1 s, the token is discarded unread. */
  static final Request AWS_TOKEN =
      new Request(
          "PUT",
          "/latest/api/token",
          List.of(Map.entry("X-aws-ec2-metadata-token-ttl-seconds", "1")));

  private SafeRequests() {}

  /** The profile's safe request; null for the generic profile, which is TCP only. */
  static Request forProfile(Profile profile) {
    return switch (profile) {
      case AWS -> new Request("GET", "/", List.of());
      case GCP -> new Request("GET", "/", List.of(Map.entry("Metadata-Flavor", "Google")));
      case AZURE ->
          new Request("GET", "/metadata/versions", List.of(Map.entry("Metadata", "true")));
      case OCI ->
          new Request(
              "GET",
              "/opc/v2/instance/region",
              List.of(Map.entry("Authorization", "Bearer Oracle")));
      case ALIBABA -> new Request("GET", "/latest/meta-data/", List.of());
      case GENERIC -> null;
    };
  }

  /**
   * Which service answered: GCP by its {@code Metadata-Flavor: Google} header, AWS by its {@code
   * EC2ws} server header or its version listing, Azure by its API-version listing or its
   * missing-header error, Alibaba by its key listing, OCI by a 200 to its region path.
   */
  static Fingerprint identify(Request request, Reply reply) {
    Map<String, String> h = reply.headers();
    String server = h.getOrDefault("server", "").toLowerCase(Locale.ROOT);
    String body = reply.body();
    if ("google".equalsIgnoreCase(h.getOrDefault("metadata-flavor", ""))) {
      return Fingerprint.GCP;
    }
    if (server.contains("ec2ws") || body.contains("\nlatest") && body.contains("2007-01-19")) {
      return Fingerprint.AWS;
    }
    if (body.contains("apiVersions") || body.contains("Required metadata header")) {
      return Fingerprint.AZURE;
    }
    if (body.contains("region-id") && body.contains("instance-id")) {
      return Fingerprint.ALIBABA;
    }
    if (request.path().startsWith("/opc/") && reply.status() == 200) {
      return Fingerprint.OCI;
    }
    return Fingerprint.UNKNOWN;
  }
}
