package io.imdsprober.sweep;

/** Facts JSON as an agent writes it, for scripted probe pods. */
public final class ProbeFacts {
  private ProbeFacts() {}

  public static final String IMDS = "169.254.169.254:80";
  public static final String IMDS6 = "[fd00:ec2::254]:80";
  public static final String POD_IDENTITY = "169.254.170.23:80";

  /**
   * The pod name these documents carry. The fake kubelet writes the probe pod's real name in its
   * place, as the agent does from the downward API; a document naming another pod keeps its name.
   */
  public static final String AGENT_POD = "imds-probe-x";

  /** The {@code pod} field as written, for the fake kubelet to replace. */
  public static final String POD_FIELD = "\"pod\":\"" + AGENT_POD + "\"";

  /** One metadata entry. */
  public static String metadata(
      String target, String mode, String tcp, Integer http, String token) {
    return """
        {"target":"%s","profile":"aws","mode":"%s","tcp":"%s","connectMs":%d,"http":%s,\
        "fingerprint":%s,"token":"%s","attempts":1,"openedThenBlockedMs":null}"""
        .formatted(
            target,
            mode,
            tcp,
            // a dropped connect takes the whole connect timeout (3 s by default); others are quick
            tcp.equals("timeout") ? 3000 : 3,
            http == null ? "null" : http,
            http == null ? "null" : "\"aws\"",
            token);
  }

  /**
   * A whole facts document on node-1 that answers every target of the default (AWS) plan: the given
   * metadata entries, and each planned target they leave out as blocked (a timeout; no route for
   * IPv6), as an agent in a default-deny namespace reports it.
   */
  public static String facts(String dnsResult, String egressResult, String... metadata) {
    java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(metadata));
    for (String[] planned :
        new String[][] {
          {IMDS, "http", "timeout"},
          {IMDS6, "http", "unreachable"},
          {POD_IDENTITY, "tcp", "timeout"}
        }) {
      if (all.stream().noneMatch(m -> m.contains("\"target\":\"" + planned[0] + "\""))) {
        all.add(metadata(planned[0], planned[1], planned[2], null, "not-tried"));
      }
    }
    return exactly(dnsResult, egressResult, all.toArray(String[]::new));
  }

  /** A whole facts document on node-1 with exactly these metadata entries. */
  public static String exactly(String dnsResult, String egressResult, String... metadata) {
    return ("{\"v\":1,\"pod\":\"imds-probe-x\",\"node\":\"node-1\","
            + "\"started\":\"2026-11-26T10:00:00Z\",\"elapsedMs\":3012,"
            + "\"metadata\":[%s],"
            + "\"dns\":[{\"name\":\"kubernetes.default.svc.cluster.local\",\"server\":\"10.96.0.10:53\","
            + "\"proto\":\"udp\",\"result\":\"%s\",\"ms\":2,\"answers\":1}],"
            + "\"egress\":[{\"url\":\"https://example.com/\",\"result\":\"%s\",\"http\":%s,\"ms\":80}],"
            + "\"errors\":[]}")
        .formatted(
            String.join(",", metadata),
            dnsResult,
            egressResult,
            egressResult.equals("ok") ? "200" : "null");
  }

  public static String blocked(String tcp) {
    return facts("ok", "ok", metadata(IMDS, "http", tcp, null, "not-tried"));
  }

  public static final String PROTECTED = blocked("timeout");
  public static final String EXPOSED =
      facts("ok", "ok", metadata(IMDS, "http", "connected", 200, "not-tried"));
  public static final String REACHABLE =
      facts("ok", "ok", metadata(IMDS, "http", "connected", 401, "timeout"));
  public static final String DNS_DEAD =
      facts("timeout", "ok", metadata(IMDS, "http", "timeout", null, "not-tried"));

  /** The IMDS blocked, EKS Pod Identity open (allowed). */
  public static final String POD_IDENTITY_OPEN =
      facts(
          "ok",
          "ok",
          metadata(IMDS, "http", "timeout", null, "not-tried"),
          metadata(POD_IDENTITY, "tcp", "connected", null, "not-tried"));
}
