package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Node;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.Profile;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the sweep needs to know about the nodes: the metadata profile (from {@code spec.providerID}
 * unless configured) and which nodes run the GKE metadata server. Pure.
 *
 * @param profile the profile every probe uses
 * @param profileSource how the profile was chosen, for the log
 * @param nodes every node's name
 * @param gkeMetadataServerNodes nodes labelled {@code iam.gke.io/gke-metadata-server-enabled=true}
 */
public record Cluster(
    Profile profile, String profileSource, Set<String> nodes, Set<String> gkeMetadataServerNodes) {
  public static final String GKE_METADATA_SERVER_LABEL = "iam.gke.io/gke-metadata-server-enabled";

  /** The address a GKE metadata server intercepts. */
  public static final String GKE_METADATA_TARGET = "169.254.169.254:80";

  public Cluster {
    nodes = Set.copyOf(nodes);
    gkeMetadataServerNodes = Set.copyOf(gkeMetadataServerNodes);
  }

  /** The cluster seen through its nodes, with the configured profile when there is one. */
  public static Cluster of(List<Node> nodeList, Optional<Profile> configured) {
    Set<String> names = new HashSet<>();
    Set<String> gke = new HashSet<>();
    Map<Profile, Integer> counts = new EnumMap<>(Profile.class);
    for (Node n : nodeList) {
      String name = n.getMetadata().getName();
      names.add(name);
      Map<String, String> labels = n.getMetadata().getLabels();
      if (labels != null && "true".equals(labels.get(GKE_METADATA_SERVER_LABEL))) {
        gke.add(name);
      }
      String providerId = n.getSpec() == null ? null : n.getSpec().getProviderID();
      counts.merge(fromProviderId(providerId), 1, Integer::sum);
    }
    if (configured.isPresent()) {
      return new Cluster(configured.get(), "configured", names, gke);
    }
    if (counts.isEmpty()) {
      return new Cluster(Profile.GENERIC, "no nodes listed", names, gke);
    }
    Profile most = Profile.GENERIC;
    int best = -1;
    for (Map.Entry<Profile, Integer> e : counts.entrySet()) {
      if (e.getValue() > best) {
        most = e.getKey();
        best = e.getValue();
      }
    }
    String source =
        counts.size() == 1
            ? "spec.providerID of " + best + " node(s)"
            : "spec.providerID of "
                + best
                + " of "
                + nodeList.size()
                + " nodes (mixed: "
                + counts
                + ")";
    return new Cluster(most, source, names, gke);
  }

  /** The profile a node's {@code spec.providerID} names; generic when none is recognised. */
  public static Profile fromProviderId(String providerId) {
    if (providerId == null) {
      return Profile.GENERIC;
    }
    String id = providerId.trim();
    if (id.startsWith("aws://")) {
      return Profile.AWS;
    }
    if (id.startsWith("gce://")) {
      return Profile.GCP;
    }
    if (id.startsWith("azure://")) {
      return Profile.AZURE;
    }
    if (id.startsWith("oci://") || id.startsWith("ocid1.")) {
      return Profile.OCI;
    }
    if (id.startsWith("alicloud://") || id.matches("[a-z]+-[a-z0-9-]+\\.i-[a-z0-9]+")) {
      return Profile.ALIBABA;
    }
    return Profile.GENERIC;
  }

  /** The metadata targets the agent is told to probe: {@code [tcp=]HOST:PORT} words. */
  public List<String> agentTargets(Config config) {
    Set<String> out = new LinkedHashSet<>();
    List<String> configured = config.get(Keys.METADATA_TARGETS);
    if (configured.isEmpty()) {
      for (MetadataTarget t : profile.defaultTargets()) {
        out.add(t.hostPort());
      }
    } else {
      out.addAll(configured);
    }
    for (String allowed : config.get(Keys.METADATA_ALLOWED)) {
      String hostPort = MetadataTarget.parse(allowed, profile).hostPort();
      if (!out.contains(hostPort)) {
        out.add("tcp=" + hostPort);
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * The agent's metadata targets but those the platform serves on purpose wherever a workload may
   * run ({@code metadata.allowed}; the GKE metadata server when every node runs it): the ones a
   * workload must not reach by policy.
   */
  public List<String> exposureTargets(Config config) {
    Set<String> served = platformTargets(config, null).keySet();
    List<String> out = new ArrayList<>();
    for (String w : agentTargets(config)) {
      if (!served.contains(w.startsWith("tcp=") ? w.substring(4) : w)) {
        out.add(w);
      }
    }
    return out;
  }

  /** What serves EKS Pod Identity's address, for the verdict's reason. */
  public static final String EKS_POD_IDENTITY_TARGET = "169.254.170.23:80";

  /** The {@code host:port} of every target the agent is told to probe, in the plan's order. */
  public List<String> plannedTargets(Config config) {
    List<String> out = new ArrayList<>();
    for (String word : agentTargets(config)) {
      out.add(MetadataTarget.parse(word, profile).hostPort());
    }
    return out;
  }

  /**
   * The targets the platform serves on purpose for a probe that ran on {@code node}, each with what
   * serves it: the configured allowed ones, and the GKE metadata server's address on the nodes that
   * run it. A probe whose node is unknown gets the latter only when every node runs it.
   */
  public Map<String, String> platformTargets(Config config, String node) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String allowed : config.get(Keys.METADATA_ALLOWED)) {
      String hostPort = MetadataTarget.parse(allowed, profile).hostPort();
      out.put(
          hostPort,
          hostPort.equals(EKS_POD_IDENTITY_TARGET)
              ? "EKS Pod Identity (metadata.allowed)"
              : "allowed by metadata.allowed");
    }
    boolean onGkeServer =
        node != null
            ? gkeMetadataServerNodes.contains(node)
            : !nodes.isEmpty() && gkeMetadataServerNodes.containsAll(nodes);
    if (config.get(Keys.METADATA_GKE_SERVER_ALLOWED) && onGkeServer) {
      out.put(GKE_METADATA_TARGET, "the GKE metadata server (Workload Identity)");
    }
    return out;
  }
}
