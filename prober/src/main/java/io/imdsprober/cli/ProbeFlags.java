package io.imdsprober.cli;

import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.Profile;
import io.imdsprober.probe.ProbeOutput;
import io.imdsprober.probe.ProbePlan;
import io.imdsprober.probe.ProbePlan.Endpoint;
import io.imdsprober.util.Durations;
import io.imdsprober.util.Urls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The probe's flags as text, and the plan they make, without picocli: {@link ProbeCommand} (the
 * command line, its help and its usage errors) and {@link ProbeLauncher} (a probe pod's direct
 * path) both fill one. {@link #FLAGS} is the table the launcher reads; ProbeCommandTest holds it
 * equal to ProbeCommand's {@code @Option} annotations.
 */
final class ProbeFlags {
  /**
   * One flag: its name, its environment variable, its default when neither is set (null: none), and
   * whether it takes a comma-separated list.
   */
  record Flag(String name, String env, String fallback, boolean list) {
    /** The picocli default expression this flag's annotation carries. */
    String defaultExpression() {
      return "${env:" + env + (fallback == null ? "" : ":-" + fallback) + "}";
    }
  }

  static final List<Flag> FLAGS =
      List.of(
          new Flag("--profile", "IMDS_PROBE_PROFILE", "generic", false),
          new Flag("--metadata", "IMDS_PROBE_METADATA", null, true),
          new Flag("--imdsv2-token", "IMDS_PROBE_IMDSV2_TOKEN", null, false),
          new Flag(
              "--dns-name", "IMDS_PROBE_DNS_NAME", "kubernetes.default.svc.cluster.local", true),
          new Flag("--dns-server", "IMDS_PROBE_DNS_SERVER", null, false),
          new Flag("--resolv-conf", "IMDS_PROBE_RESOLV_CONF", "/etc/resolv.conf", false),
          new Flag("--egress-url", "IMDS_PROBE_EGRESS_URL", "https://example.com/", true),
          new Flag("--connect-timeout", "IMDS_PROBE_CONNECT_TIMEOUT", "3s", false),
          new Flag("--settle", "IMDS_PROBE_SETTLE", "2s", false),
          new Flag("--retries", "IMDS_PROBE_RETRIES", "2", false),
          new Flag("--result-file", "IMDS_PROBE_RESULT_FILE", "/dev/termination-log", false),
          new Flag("--pod-name", "IMDS_PROBE_POD_NAME", null, false),
          new Flag("--node-name", "IMDS_PROBE_NODE_NAME", null, false));

  /** The flag of that name, or null. */
  static Flag flag(String name) {
    for (Flag f : FLAGS) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  String profile;
  List<String> metadata;
  Boolean imdsv2Token;
  List<String> dnsNames;
  String dnsServer;
  Path resolvConf;
  List<String> egressUrls;
  String connectTimeout;
  String settle;
  String retries;
  String resultFile;
  String podName;
  String nodeName;

  /**
   * Sets a flag from its text, as picocli would: a list flag splits on commas and adds up over
   * repeats; {@code --imdsv2-token} takes true or false.
   *
   * @throws IllegalArgumentException for a value picocli would refuse
   */
  void set(Flag flag, String value) {
    switch (flag.name()) {
      case "--profile" -> profile = value;
      case "--metadata" -> metadata = add(metadata, value);
      case "--imdsv2-token" -> {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new IllegalArgumentException("'" + value + "' is not a boolean");
        }
        imdsv2Token = Boolean.valueOf(value);
      }
      case "--dns-name" -> dnsNames = add(dnsNames, value);
      case "--dns-server" -> dnsServer = value;
      case "--resolv-conf" -> resolvConf = Path.of(value);
      case "--egress-url" -> egressUrls = add(egressUrls, value);
      case "--connect-timeout" -> connectTimeout = value;
      case "--settle" -> settle = value;
      case "--retries" -> retries = value;
      case "--result-file" -> resultFile = value;
      case "--pod-name" -> podName = value;
      case "--node-name" -> nodeName = value;
      default -> throw new IllegalArgumentException("no flag " + flag.name());
    }
  }

  /** Each flag not given takes its environment variable, else its default. */
  void defaults(Set<Flag> given, Map<String, String> env) {
    for (Flag f : FLAGS) {
      if (!given.contains(f)) {
        String value = env.getOrDefault(f.env(), f.fallback());
        if (f.name().equals("--imdsv2-token") && value != null && value.isBlank()) {
          // unset, not false: an empty variable never turns the AWS token request off
          value = f.fallback();
        }
        if (value != null) {
          set(f, value);
        }
      }
    }
  }

  private static List<String> add(List<String> list, String value) {
    List<String> out = list == null ? new ArrayList<>() : list;
    out.addAll(List.of(value.split(",", -1)));
    return out;
  }

  /** Turns the flags into a plan; a bad flag is a usage error that names it. */
  public ProbePlan plan() {
    Profile p = parse("--profile", profile, Profile::parse);
    List<MetadataTarget> targets = new ArrayList<>();
    for (String m : nonBlank(metadata)) {
      targets.add(parse("--metadata", m, text -> MetadataTarget.parse(text, p)));
    }
    if (targets.isEmpty()) {
      targets.addAll(p.defaultTargets());
    }
    List<String> names = nonBlank(dnsNames);
    Endpoint server = null;
    if (!names.isEmpty()) {
      server =
          dnsServer == null || dnsServer.isBlank()
              ? nameserverFromResolvConf()
              : parse("--dns-server", dnsServer, text -> Endpoint.parse(text, 53));
    }
    List<URI> urls = new ArrayList<>();
    for (String u : nonBlank(egressUrls)) {
      urls.add(parse("--egress-url", u, Urls::http));
    }
    Duration timeout = parse("--connect-timeout", connectTimeout, ProbeFlags::positive);
    Duration settleDelay = parse("--settle", settle, Durations::parse);
    int n = parse("--retries", retries, ProbeFlags::retries);
    Path result = "-".equals(resultFile) ? null : Path.of(resultFile);
    boolean token = imdsv2Token == null ? p == Profile.AWS : imdsv2Token;
    return new ProbePlan(
        p,
        targets,
        token,
        names,
        server,
        urls,
        timeout,
        settleDelay,
        n,
        podName(),
        nodeName,
        result);
  }

  private Endpoint nameserverFromResolvConf() {
    Optional<Endpoint> ns;
    try {
      ns = ProbeOutput.firstNameserver(resolvConf);
    } catch (IOException e) {
      throw usage(
          "--resolv-conf: cannot read "
              + resolvConf
              + " ("
              + e.getMessage()
              + "); set --dns-server");
    }
    return ns.orElseThrow(
        () -> usage("--resolv-conf: " + resolvConf + " names no nameserver; set --dns-server"));
  }

  private String podName() {
    if (podName != null && !podName.isBlank()) {
      return podName;
    }
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return Files.readString(Path.of("/etc/hostname")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private interface Parser<T> {
    T parse(String text);
  }

  private <T> T parse(String option, String text, Parser<T> parser) {
    try {
      return parser.parse(text);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw usage("Invalid value for option '" + option + "': " + e.getMessage());
    }
  }

  private static IllegalArgumentException usage(String message) {
    return new IllegalArgumentException(message);
  }

  private static List<String> nonBlank(List<String> values) {
    List<String> out = new ArrayList<>();
    if (values != null) {
      for (String v : values) {
        if (v != null && !v.isBlank()) {
          out.add(v.trim());
        }
      }
    }
    return out;
  }

  private static Duration positive(String text) {
    Duration d = Durations.parse(text);
    if (d.isZero()) {
      throw new IllegalArgumentException("'" + text + "' must be more than zero");
    }
    return d;
  }

  private static int retries(String text) {
    try {
      int n = Integer.parseInt(text.trim());
      if (n >= 0 && n <= 10) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the message below says what is accepted
    }
    throw new IllegalArgumentException("'" + text + "' is not a whole number from 0 to 10");
  }
}
