package io.imdsprober.config;

import static io.imdsprober.config.Values.bool;
import static io.imdsprober.config.Values.duration;
import static io.imdsprober.config.Values.integer;
import static io.imdsprober.config.Values.list;
import static io.imdsprober.config.Values.map;
import static io.imdsprober.config.Values.string;
import static io.imdsprober.config.Values.tolerations;
import static io.imdsprober.config.Values.word;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.Profile;
import io.imdsprober.util.LabelSelectors;
import io.imdsprober.util.Urls;
import io.imdsprober.verdict.Expectations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The one table of configuration keys, with their defaults (README "Configuration"). */
public final class Keys {
  private Keys() {}

  public static final Key<String> NAMESPACE_SELECTOR =
      new Key<>(
          "namespaces.selector",
          "",
          "Label selector of the target namespaces (empty: all)",
          string().andThen(LabelSelectors::check));
  public static final Key<List<String>> NAMESPACE_INCLUDE =
      new Key<>(
          "namespaces.include",
          List.of(),
          "Name globs (* and ?) a target must match; empty: every name",
          list().andThen(Keys::globs));
  public static final Key<List<String>> NAMESPACE_EXCLUDE =
      new Key<>(
          "namespaces.exclude",
          List.of("kube-system", "kube-public", "kube-node-lease"),
          "Name globs never probed; setting it replaces the default list",
          list().andThen(Keys::globs));

  public static final Key<Boolean> NAMESPACE_ALLOW_EMPTY =
      new Key<>(
          "namespaces.allowEmpty",
          false,
          "A selection that matches no namespace is a sweep of nothing, not a failed sweep",
          bool());
  public static final Key<String> PROBE_IMAGE =
      new Key<>(
          "probe.image",
          "",
          "Probe pod image, by tag or by digest (NAME@sha256:...; empty: this release's image,"
              + " ghcr.io/imds-prober/imds-prober:VERSION)",
          string().andThen(Keys::imageOrEmpty));
  public static final Key<String> PROBE_IMAGE_PULL_POLICY =
      new Key<>(
          "probe.imagePullPolicy",
          "IfNotPresent",
          "Always, IfNotPresent or Never",
          string().andThen(Keys::pullPolicy));
  public static final Key<List<String>> PROBE_IMAGE_PULL_SECRETS =
      new Key<>("probe.imagePullSecrets", List.of(), "Secret names for the probe image", list());
  public static final Key<List<String>> PROBE_COMMAND =
      new Key<>(
          "probe.command",
          List.of(
              "java",
              "@/opt/imds-prober/probe.options",
              "-jar",
              "/opt/imds-prober/imds-prober.jar"),
          "The probe container's command; the prober adds the argument 'probe'",
          list().andThen(Keys::nonEmpty));
  public static final Key<Integer> PROBE_RUN_AS_USER =
      new Key<>(
          "probe.runAsUser",
          65532,
          "Numeric non-root UID of the probe container",
          integer(1, 2147483647));
  public static final Key<String> PROBE_CPU_REQUEST =
      new Key<>("probe.cpuRequest", "50m", "CPU request", string().andThen(Keys::quantity));
  public static final Key<String> PROBE_CPU_LIMIT =
      new Key<>("probe.cpuLimit", "500m", "CPU limit", string().andThen(Keys::quantity));
  public static final Key<String> PROBE_MEMORY_REQUEST =
      new Key<>("probe.memoryRequest", "96Mi", "Memory request", string().andThen(Keys::quantity));
  public static final Key<String> PROBE_MEMORY_LIMIT =
      new Key<>("probe.memoryLimit", "128Mi", "Memory limit", string().andThen(Keys::quantity));
  public static final Key<List<Toleration>> PROBE_TOLERATIONS =
      new Key<>("probe.tolerations", List.of(), "Tolerations of the probe pod", tolerations());
  public static final Key<Map<String, String>> PROBE_NODE_SELECTOR =
      new Key<>(
          "probe.nodeSelector",
          Map.of("kubernetes.io/os", "linux"),
          "Node selector of the probe pod",
          map());
  public static final Key<String> PROBE_PRIORITY_CLASS =
      new Key<>("probe.priorityClassName", "", "Priority class of the probe pod", string());
  public static final Key<Map<String, String>> PROBE_LABELS =
      new Key<>(
          "probe.labels",
          Map.of(),
          "Extra labels of the probe pod (namespaces add theirs with imds-prober.io/probe-labels)",
          map().andThen(Keys::labels));
  public static final Key<Map<String, String>> PROBE_ANNOTATIONS =
      new Key<>(
          "probe.annotations",
          Map.of("sidecar.istio.io/inject", "false", "linkerd.io/inject", "disabled"),
          "Annotations of the probe pod (the defaults keep mesh sidecars out)",
          map());
  public static final Key<Duration> PROBE_DEADLINE =
      new Key<>(
          "probe.deadline",
          "60s",
          "A probe's whole life: the Job's activeDeadlineSeconds; the prober waits 10s more",
          duration(Duration.ofSeconds(5)));
  public static final Key<Integer> PROBE_MAX_IN_FLIGHT =
      new Key<>("probe.maxInFlight", 20, "Probes running at once", integer(1, 1000));
  public static final Key<Duration> PROBE_CONNECT_TIMEOUT =
      new Key<>(
          "probe.connectTimeout",
          "3s",
          "The agent's bound on each connect, DNS lookup and egress call",
          duration(Duration.ofMillis(100)));
  public static final Key<Duration> PROBE_SETTLE =
      new Key<>(
          "probe.settle",
          "2s",
          "Wait before the agent re-tries an open metadata target",
          duration(Duration.ZERO));
  public static final Key<Integer> PROBE_RETRIES =
      new Key<>("probe.retries", 2, "Re-tries of an open metadata target", integer(0, 10));
  public static final Key<Duration> PROBE_TTL_AFTER_FINISHED =
      new Key<>(
          "probe.ttlAfterFinished",
          "10m",
          "Job ttlSecondsAfterFinished, a safety net (the prober deletes Jobs once read)",
          duration(Duration.ZERO));
  public static final Key<Duration> SWEEP_DEADLINE =
      new Key<>(
          "sweep.deadline",
          "0s",
          "A whole sweep's bound: probes still open then are error/timeout (0s: (probe.deadline"
              + " + 10s) x ceil(probes / probe.maxInFlight) + 1m)",
          duration(Duration.ZERO));
  public static final Key<Duration> ORPHAN_MAX_AGE =
      new Key<>(
          "orphans.maxAge",
          "10m",
          "Probe Jobs of other sweeps older than this are deleted",
          duration(Duration.ofMinutes(1)));

  public static final Key<Optional<Profile>> METADATA_PROFILE =
      new Key<>(
          "metadata.profile",
          "auto",
          "auto (from node spec.providerID) or aws|gcp|azure|oci|alibaba|generic",
          string().andThen(Keys::profile));
  public static final Key<List<String>> METADATA_TARGETS =
      new Key<>(
          "metadata.targets",
          List.of(),
          "[tcp=]HOST:PORT targets instead of the profile's",
          list().andThen(Keys::targets));
  public static final Key<List<String>> METADATA_ALLOWED =
      new Key<>(
          "metadata.allowed",
          List.of("169.254.170.23:80"),
          "HOST:PORT targets probed (TCP only) and reported, never an exposure",
          list().andThen(Keys::targets));
  public static final Key<Boolean> METADATA_GKE_SERVER_ALLOWED =
      new Key<>(
          "metadata.gkeMetadataServerAllowed",
          true,
          "On GKE nodes with the metadata server, 169.254.169.254:80 is intended, not an exposure",
          bool());

  public static final Key<List<String>> DNS_NAMES =
      new Key<>(
          "dns.names",
          List.of("kubernetes.default.svc.cluster.local"),
          "Names the probe resolves with the pod's nameserver",
          list());
  public static final Key<List<String>> EGRESS_URLS =
      new Key<>(
          "egress.urls",
          List.of("https://example.com/"),
          "External URLs the probe requests (any HTTP status counts as reachable)",
          list().andThen(Keys::urls));

  public static final Key<Expectations.Metadata> EXPECT_METADATA =
      new Key<>(
          "expect.metadata",
          "blocked",
          "blocked|reachable (annotation imds-prober.io/expect-metadata)",
          word(Expectations.Metadata.class));
  public static final Key<Expectations.Dns> EXPECT_DNS =
      new Key<>(
          "expect.dns",
          "ok",
          "ok|any (annotation imds-prober.io/expect-dns)",
          word(Expectations.Dns.class));
  public static final Key<Expectations.Egress> EXPECT_EGRESS =
      new Key<>(
          "expect.egress",
          "ok",
          "ok|blocked|any (annotation imds-prober.io/expect-egress)",
          word(Expectations.Egress.class));

  public static final Key<Integer> POLICY_MAX_PEERS_PER_POLICY =
      new Key<>(
          "policy.maxPeersPerPolicy",
          5000,
          "A NetworkPolicy with more egress peers (to entries and ipBlock excepts) is not read: its"
              + " namespace's prediction is incomplete",
          integer(1, 10_000_000));
  public static final Key<Integer> POLICY_MAX_BYTES_PER_POLICY =
      new Key<>(
          "policy.maxBytesPerPolicy",
          524288,
          "A NetworkPolicy whose evaluated strings (selectors, CIDRs, ports) are longer in all is"
              + " not read: its namespace's prediction is incomplete; an admin policy (ANP, BANP,"
              + " ClusterNetworkPolicy) whose spec, as JSON, is longer is not read: every"
              + " namespace's is",
          integer(1, 1_000_000_000));
  public static final Key<Integer> POLICY_MAX_PEERS_PER_NAMESPACE =
      new Key<>(
          "policy.maxPeersPerNamespace",
          20000,
          "Beyond this many egress peers in one namespace's NetworkPolicies, its prediction is"
              + " incomplete",
          integer(1, 100_000_000));
  public static final Key<Integer> POLICY_MAX_BYTES_PER_NAMESPACE =
      new Key<>(
          "policy.maxBytesPerNamespace",
          2097152,
          "Beyond this many evaluated bytes in one namespace's NetworkPolicies, its prediction is"
              + " incomplete",
          integer(1, 2_000_000_000));

  public static final Key<Integer> API_RETRIES =
      new Key<>(
          "api.retries",
          5,
          "Retries of an API request that got 429, 5xx or an I/O error",
          integer(0, 20));
  public static final Key<Duration> API_RETRY_INTERVAL =
      new Key<>(
          "api.retryInterval",
          "250ms",
          "First backoff; it doubles on each retry",
          duration(Duration.ofMillis(10)));
  public static final Key<Duration> API_REQUEST_TIMEOUT =
      new Key<>(
          "api.requestTimeout", "10s", "Bound of one API request", duration(Duration.ofSeconds(1)));

  public static final Key<Duration> SERVE_INTERVAL =
      new Key<>(
          "serve.interval",
          "10m",
          "serve: time between sweeps (unless serve.schedule is set)",
          duration(Duration.ofSeconds(1)));
  public static final Key<String> SERVE_SCHEDULE =
      new Key<>(
          "serve.schedule",
          "",
          "serve: Quartz cron expression (sec min hour day month weekday), instead of the interval",
          string().andThen(Keys::cron));
  public static final Key<Integer> SERVE_METRICS_PORT =
      new Key<>(
          "serve.metricsPort",
          9090,
          "serve: port of /metrics, /healthz and /readyz (0: any free port, logged)",
          integer(0, 65535));
  public static final Key<String> SERVE_BIND_ADDRESS =
      new Key<>(
          "serve.bindAddress",
          "",
          "serve: IP address /metrics, /healthz and /readyz listen on (empty: every address)",
          string().andThen(Keys::ipOrEmpty));
  public static final Key<Duration> SERVE_SHUTDOWN_GRACE =
      new Key<>(
          "serve.shutdownGrace",
          "20s",
          "serve: on SIGTERM, how long a running sweep may take before it is cancelled",
          duration(Duration.ZERO));
  public static final Key<Boolean> SERVE_PACING =
      new Key<>(
          "serve.pacing",
          true,
          "serve: spread each sweep's probe starts over the interval (less twice probe.deadline),"
              + " instead of one burst",
          bool());
  public static final Key<Boolean> SERVE_REACT_TO_CHANGES =
      new Key<>(
          "serve.reactToChanges",
          true,
          "serve: re-probe a namespace soon after a NetworkPolicy, label or imds-prober.io"
              + " annotation of it changes, or when it is created",
          bool());
  public static final Key<Duration> SERVE_CHANGE_DEBOUNCE =
      new Key<>(
          "serve.changeDebounce",
          "2s",
          "serve: a namespace is re-probed once no change to it has come for this long (at most"
              + " 5 times this after its first change)",
          duration(Duration.ZERO));
  public static final Key<Boolean> EVENTS_ENABLED =
      new Key<>(
          "events.enabled",
          true,
          "Kubernetes Events on a namespace: ProbeTampered (both modes); on turning exposed and"
              + " on recovery (serve)",
          bool());
  public static final Key<Boolean> REPORTS_ENABLED =
      new Key<>(
          "reports.enabled",
          false,
          "An OpenReports Report per target namespace, each sweep (needs the openreports"
              + " component's RBAC and the Report CRD)",
          bool());
  public static final Key<String> CLUSTER_NAME =
      new Key<>(
          "cluster.name",
          "",
          "This cluster's name in a fleet: sweep --once --pushgateway adds it to the grouping key"
              + " (label cluster), OpenReports results carry it (property cluster); letters,"
              + " digits, _ . -, at most 63, starting with a letter or digit (empty: none)",
          string().andThen(Keys::clusterName));
  public static final Key<Boolean> LEADER_ELECTION_ENABLED =
      new Key<>(
          "leaderElection.enabled",
          true,
          "serve: only the holder of a Lease sweeps (run several replicas safely)",
          bool());
  public static final Key<String> LEADER_ELECTION_NAMESPACE =
      new Key<>(
          "leaderElection.namespace",
          "",
          "Namespace of the Lease (empty: the pod's own, from its service account)",
          string());
  public static final Key<String> LEADER_ELECTION_LEASE =
      new Key<>("leaderElection.leaseName", "imds-prober", "Name of the Lease", string());
  public static final Key<String> LEADER_ELECTION_IDENTITY =
      new Key<>(
          "leaderElection.identity",
          "",
          "This replica's name in the Lease (empty: $POD_NAME, else the host name)",
          string());
  public static final Key<Duration> LEADER_ELECTION_LEASE_DURATION =
      new Key<>(
          "leaderElection.leaseDuration",
          "15s",
          "How long a Lease holds without renewal",
          duration(Duration.ofSeconds(1)));
  public static final Key<Duration> LEADER_ELECTION_RENEW_DEADLINE =
      new Key<>(
          "leaderElection.renewDeadline",
          "10s",
          "How long the leader tries to renew before it gives up leading",
          duration(Duration.ofMillis(500)));
  public static final Key<Duration> LEADER_ELECTION_RETRY_PERIOD =
      new Key<>(
          "leaderElection.retryPeriod",
          "2s",
          "Time between tries to acquire or renew the Lease",
          duration(Duration.ofMillis(100)));

  /** Every key, in the order of the reference table. */
  public static final List<Key<?>> ALL =
      List.of(
          NAMESPACE_SELECTOR,
          NAMESPACE_INCLUDE,
          NAMESPACE_EXCLUDE,
          NAMESPACE_ALLOW_EMPTY,
          PROBE_IMAGE,
          PROBE_IMAGE_PULL_POLICY,
          PROBE_IMAGE_PULL_SECRETS,
          PROBE_COMMAND,
          PROBE_RUN_AS_USER,
          PROBE_CPU_REQUEST,
          PROBE_CPU_LIMIT,
          PROBE_MEMORY_REQUEST,
          PROBE_MEMORY_LIMIT,
          PROBE_TOLERATIONS,
          PROBE_NODE_SELECTOR,
          PROBE_PRIORITY_CLASS,
          PROBE_LABELS,
          PROBE_ANNOTATIONS,
          PROBE_DEADLINE,
          PROBE_MAX_IN_FLIGHT,
          PROBE_CONNECT_TIMEOUT,
          PROBE_SETTLE,
          PROBE_RETRIES,
          PROBE_TTL_AFTER_FINISHED,
          SWEEP_DEADLINE,
          ORPHAN_MAX_AGE,
          METADATA_PROFILE,
          METADATA_TARGETS,
          METADATA_ALLOWED,
          METADATA_GKE_SERVER_ALLOWED,
          DNS_NAMES,
          EGRESS_URLS,
          EXPECT_METADATA,
          EXPECT_DNS,
          EXPECT_EGRESS,
          POLICY_MAX_PEERS_PER_POLICY,
          POLICY_MAX_BYTES_PER_POLICY,
          POLICY_MAX_PEERS_PER_NAMESPACE,
          POLICY_MAX_BYTES_PER_NAMESPACE,
          API_RETRIES,
          API_RETRY_INTERVAL,
          API_REQUEST_TIMEOUT,
          SERVE_INTERVAL,
          SERVE_SCHEDULE,
          SERVE_METRICS_PORT,
          SERVE_BIND_ADDRESS,
          SERVE_SHUTDOWN_GRACE,
          SERVE_PACING,
          SERVE_REACT_TO_CHANGES,
          SERVE_CHANGE_DEBOUNCE,
          EVENTS_ENABLED,
          REPORTS_ENABLED,
          CLUSTER_NAME,
          LEADER_ELECTION_ENABLED,
          LEADER_ELECTION_NAMESPACE,
          LEADER_ELECTION_LEASE,
          LEADER_ELECTION_IDENTITY,
          LEADER_ELECTION_LEASE_DURATION,
          LEADER_ELECTION_RENEW_DEADLINE,
          LEADER_ELECTION_RETRY_PERIOD);

  private static final Pattern GLOB = Pattern.compile("[a-z0-9*?-]+");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

  private static List<String> globs(List<String> globs) {
    for (String g : globs) {
      if (!GLOB.matcher(g).matches()) {
        throw new IllegalArgumentException(
            "'" + g + "' is not a namespace name glob (lower-case letters, digits, -, * and ?)");
      }
    }
    return globs;
  }

  /** An image reference: {@code [registry/]path[:tag][@sha256:<64 hex>]}, lower-case path. */
  private static final java.util.regex.Pattern IMAGE =
      java.util.regex.Pattern.compile(
          "(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
              + "(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
              + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?");

  private static String imageOrEmpty(String text) {
    String t = text.trim();
    if (!t.isEmpty() && !IMAGE.matcher(t).matches()) {
      throw new IllegalArgumentException(
          "not an image reference ([REGISTRY/]NAME[:TAG][@sha256:DIGEST])");
    }
    return t;
  }

  /**
   * A cluster name any Prometheus label value, Pushgateway grouping key path segment and
   * OpenReports property can carry as it is: never a path segment of dots, a slash or a space.
   */
  private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

  private static String clusterName(String text) {
    if (!text.isEmpty() && !CLUSTER.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "not a cluster name: 1 to 63 letters, digits, '_', '.' or '-', starting with a letter"
              + " or digit");
    }
    return text;
  }

  private static String ipOrEmpty(String text) {
    String t = text.trim();
    if (!t.isEmpty() && !io.imdsprober.util.IpLiteral.is(t)) {
      throw new IllegalArgumentException("not an IPv4 or IPv6 address");
    }
    return t;
  }

  private static String cron(String text) {
    if (text.isEmpty()) {
      return text;
    }
    try {
      new org.quartz.CronExpression(text);
      return text;
    } catch (java.text.ParseException e) {
      throw new IllegalArgumentException(
          "not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week,"
              + " e.g. '0 */10 * * * ?'): "
              + e.getMessage(),
          e);
    }
  }

  private static String pullPolicy(String text) {
    if (List.of("Always", "IfNotPresent", "Never").contains(text)) {
      return text;
    }
    throw new IllegalArgumentException("must be Always, IfNotPresent or Never");
  }

  private static <T> List<T> nonEmpty(List<T> list) {
    if (list.isEmpty()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return list;
  }

  private static String quantity(String text) {
    try {
      Quantity.getAmountInBytes(new Quantity(text));
      return text;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a Kubernetes quantity (like 50m, 1, 96Mi)", e);
    }
  }

  /** Labels with well-formed keys and values (shared by config and the namespace annotation). */
  public static Map<String, String> labels(Map<String, String> labels) {
    for (Map.Entry<String, String> e : labels.entrySet()) {
      LabelSelectors.check(e.getKey());
      if (e.getKey().startsWith("!") || !LABEL_VALUE.matcher(e.getValue()).matches()) {
        throw new IllegalArgumentException(
            "'" + e.getKey() + "=" + e.getValue() + "' is not a valid label");
      }
    }
    return labels;
  }

  private static Optional<Profile> profile(String text) {
    return "auto".equals(text) ? Optional.empty() : Optional.of(Profile.parse(text));
  }

  private static List<String> targets(List<String> targets) {
    for (String t : targets) {
      MetadataTarget.parse(t, Profile.GENERIC);
    }
    return targets;
  }

  private static List<String> urls(List<String> urls) {
    urls.forEach(Urls::http);
    return urls;
  }
}
