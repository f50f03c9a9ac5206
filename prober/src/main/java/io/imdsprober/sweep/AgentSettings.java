package io.imdsprober.sweep;

import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.Profile;
import io.imdsprober.util.Durations;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The literal values of the agent's {@code IMDS_PROBE_*} variables, as the probe Job writes them
 * ({@link ProbeJobs}) and as the admission policy's parameter object pins them ({@link
 * PolicyParams}): one rendering, so the two cannot drift. Pure.
 */
public final class AgentSettings {
  private AgentSettings() {}

  /** {@code IMDS_PROBE_PROFILE}: the profile's word. */
  public static String profile(Cluster cluster) {
    return cluster.profile().word();
  }

  /** {@code IMDS_PROBE_METADATA}: the agent's targets, comma-separated. */
  public static String metadata(Cluster cluster, Config config) {
    return String.join(",", cluster.agentTargets(config));
  }

  /** {@code IMDS_PROBE_DNS_NAME}. */
  public static String dnsNames(Config config) {
    return String.join(",", config.get(Keys.DNS_NAMES));
  }

  /** {@code IMDS_PROBE_EGRESS_URL}. */
  public static String egressUrls(Config config) {
    return String.join(",", config.get(Keys.EGRESS_URLS));
  }

  /** {@code IMDS_PROBE_CONNECT_TIMEOUT}. */
  public static String connectTimeout(Config config) {
    return Durations.format(config.get(Keys.PROBE_CONNECT_TIMEOUT));
  }

  /** {@code IMDS_PROBE_SETTLE}. */
  public static String settle(Config config) {
    return Durations.format(config.get(Keys.PROBE_SETTLE));
  }

  /** {@code IMDS_PROBE_RETRIES}. */
  public static String retries(Config config) {
    return String.valueOf(config.get(Keys.PROBE_RETRIES));
  }

  /**
   * Every profile a sweep under {@code config} may probe with: the configured one ({@code
   * metadata.profile}), or, when it is {@code auto}, every profile {@link Cluster#of} can detect
   * from the nodes (each of them, generic included).
   */
  public static List<Profile> possibleProfiles(Config config) {
    Optional<Profile> configured = config.get(Keys.METADATA_PROFILE);
    return configured.map(List::of).orElseGet(() -> Arrays.asList(Profile.values()));
  }

  /**
   * For every possible profile, the {@code IMDS_PROBE_PROFILE} and {@code IMDS_PROBE_METADATA}
   * values a probe Job carries: the profile word to the targets, in {@link #possibleProfiles}
   * order.
   */
  public static Map<String, String> metadataByProfile(Config config) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Profile p : possibleProfiles(config)) {
      Cluster cluster = new Cluster(p, "possible", Set.of(), Set.of());
      out.put(profile(cluster), metadata(cluster, config));
    }
    return out;
  }
}
