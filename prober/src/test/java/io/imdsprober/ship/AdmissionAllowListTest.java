package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.Profile;
import io.imdsprober.pools.NodePools;
import io.imdsprober.sweep.Cluster;
import io.imdsprober.sweep.PolicyParams;
import io.imdsprober.sweep.ProbeJobs;
import io.imdsprober.sweep.Target;
import io.imdsprober.verdict.Expectations;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The probe-Job policy is an allow-list, proved field by field: every property of the fabric8 model
 * of the Job's metadata and spec, the pod template's metadata, the pod spec, the container and both
 * security contexts is set, one at a time, to a non-default, valid-looking value on the prober's
 * own Job; the policy (evaluated on the Job as the API server holds it) must deny each, but for the
 * short reviewed list of harmless fields below, which it must admit. A property added to the model
 * by a fabric8 upgrade is walked too: denied unless someone reviews it in here.
 */
class AdmissionAllowListTest {
  /** Fields any value of which is admitted, each with the reason it cannot hurt. */
  static final Map<String, String> HARMLESS =
      Map.ofEntries(
          Map.entry(
              "Job.metadata.namespace",
              "the API server refuses a body whose namespace differs from the request's, and the"
                  + " request's namespace is checked against excludedNamespaces"),
          Map.entry(
              "Job.metadata.uid", "written by the API server on create, whatever the client sent"),
          Map.entry(
              "Job.metadata.creationTimestamp",
              "written by the API server on create, whatever the client sent"),
          Map.entry(
              "Job.metadata.generation",
              "written by the API server on create, whatever the client sent"),
          Map.entry(
              "Job.metadata.managedFields",
              "server-side apply bookkeeping of who set which field; it sets nothing itself"),
          Map.entry(
              "JobSpec.activeDeadlineSeconds",
              "only ends the pod earlier or later; it must be present, the agent ends by itself,"
                  + " and the prober calls a probe timeout after probe.deadline + 10 s whatever"
                  + " the Job says"),
          Map.entry(
              "JobSpec.ttlSecondsAfterFinished",
              "when a finished Job object is collected; the prober deletes its Jobs itself"),
          Map.entry(
              "JobSpec.podReplacementPolicy",
              "when a failed pod is replaced; with backoffLimit 0, completions and parallelism 1"
                  + " none is"),
          Map.entry(
              "PodTemplate.metadata.labels",
              "an extra label is the configuration's or the namespace's choice"
                  + " (probe.labels, imds-prober.io/probe-labels): a probe stands for the"
                  + " workloads that carry it; the three own labels stay pinned"),
          Map.entry(
              "PodTemplate.metadata.creationTimestamp",
              "the API server gives each pod its own; the template's is never read"),
          Map.entry(
              "PodSpec.terminationGracePeriodSeconds",
              "how long a pod being deleted may take to stop; it changes nothing that runs,"
                  + " where, nor what it reads, and a deleted probe is tampered anyway"));

  /** Valid values of fields whose generic value would be meaningless. */
  static final Map<String, Object> VALUES =
      Map.ofEntries(
          Map.entry("JobSpec.completionMode", "Indexed"),
          Map.entry("JobSpec.podReplacementPolicy", "Failed"),
          Map.entry("JobSpec.managedBy", "kueue.x-k8s.io/multikueue"),
          Map.entry("PodSpec.restartPolicy", "OnFailure"),
          Map.entry("PodSpec.dnsPolicy", "Default"),
          Map.entry("PodSpec.schedulerName", "my-scheduler"),
          Map.entry("PodSpec.priorityClassName", "system-node-critical"),
          Map.entry("PodSpec.preemptionPolicy", "PreemptLowerPriority"),
          Map.entry("PodSpec.nodeName", "node-1"),
          Map.entry("PodSpec.runtimeClassName", "kata"),
          Map.entry("PodSpec.serviceAccountName", "deployer"),
          Map.entry("Container.name", "sidecar"),
          Map.entry("Container.image", "attacker.example/miner:1"),
          Map.entry("Container.imagePullPolicy", "Always"),
          Map.entry("Container.terminationMessagePath", "/tmp/forged"),
          Map.entry("Container.terminationMessagePolicy", "File"),
          Map.entry("Container.restartPolicy", "Always"),
          Map.entry("SecurityContext.procMount", "Unmasked"),
          Map.entry("PodSecurityContext.fsGroupChangePolicy", "Always"),
          Map.entry("PodSecurityContext.supplementalGroupsPolicy", "Strict"),
          Map.entry("PodSecurityContext.seLinuxChangePolicy", "Recursive"));

  /** A model class, the name the lists above use for it, and where its object sits in a Job. */
  record Level(Class<?> type, String name, List<Object> path) {}

  static final List<Level> LEVELS =
      List.of(
          new Level(ObjectMeta.class, "Job.metadata", List.of("metadata")),
          new Level(JobSpec.class, "JobSpec", List.of("spec")),
          new Level(
              ObjectMeta.class, "PodTemplate.metadata", List.of("spec", "template", "metadata")),
          new Level(PodSpec.class, "PodSpec", List.of("spec", "template", "spec")),
          new Level(
              PodSecurityContext.class,
              "PodSecurityContext",
              List.of("spec", "template", "spec", "securityContext")),
          new Level(
              Container.class, "Container", List.of("spec", "template", "spec", "containers", 0)),
          new Level(
              SecurityContext.class,
              "SecurityContext",
              List.of("spec", "template", "spec", "containers", 0, "securityContext")));

  static AdmissionPolicy jobs;
  static Map<String, String> shipped;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws Exception {
    AdmissionPolicyTest.load();
    jobs = AdmissionPolicyTest.jobs;
    shipped = (Map<String, String>) AdmissionPolicyTest.params.get("data");
  }

  static Stream<Arguments> properties() {
    List<Arguments> out = new ArrayList<>();
    for (Level level : LEVELS) {
      for (Field f : properties(level.type())) {
        out.add(Arguments.of(level.name() + "." + name(f), level, f));
      }
    }
    return out.stream();
  }

  static List<Field> properties(Class<?> type) {
    List<Field> out = new ArrayList<>();
    for (Field f : type.getDeclaredFields()) {
      if (f.isAnnotationPresent(JsonProperty.class) && !name(f).equals("additionalProperties")) {
        out.add(f);
      }
    }
    return out;
  }

  static String name(Field f) {
    String n = f.getAnnotation(JsonProperty.class).value();
    return n.isEmpty() ? f.getName() : n;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("properties")
  @DisplayName(
      "each property of the model, set on the prober's own Job: denied, or reviewed harmless")
  void everyProperty(String id, Level level, Field field) {
    Map<String, Object> job =
        AdmissionPolicyTest.map(AdmissionPolicyTest.built("team-a", Map.of()));
    Map<String, Object> at = at(job, level.path());
    String property = name(field);
    Object before = at.get(property);
    Object value =
        VALUES.containsKey(id) ? VALUES.get(id) : changed(field.getGenericType(), before);
    at.put(property, value);
    assertThat(value).as(id + ": the value must differ from the prober's").isNotEqualTo(before);
    AdmissionPolicy.Decision d =
        jobs.admit(
            AdmissionPolicyTest.request("CREATE", "team-a", AdmissionPolicyTest.PROBER),
            ApiServerView.job(job),
            null,
            AdmissionPolicyTest.params);
    if (HARMLESS.containsKey(id)) {
      assertThat(d).as(id + " is reviewed harmless: " + HARMLESS.get(id)).isEqualTo(ok());
    } else {
      assertThat(d.admitted()).as(id + " = " + value + " must be denied").isFalse();
      assertThat(d.message()).as(id).doesNotContain("expression failed");
    }
  }

  @Test
  @DisplayName("the walk covers the model (a property added by an upgrade is walked, not skipped)")
  void walkCoversTheModel() {
    Set<String> walked = new TreeSet<>();
    properties().forEach(a -> walked.add((String) a.get()[0]));
    assertThat(walked)
        .hasSizeGreaterThan(120)
        .contains(
            "PodSpec.nodeName",
            "PodSpec.tolerations",
            "PodSpec.runtimeClassName",
            "PodSpec.dnsConfig",
            "PodSpec.hostAliases",
            "PodSpec.volumes",
            "PodSpec.hostUsers",
            "Container.envFrom",
            "Container.ports",
            "SecurityContext.seccompProfile",
            "JobSpec.parallelism",
            "JobSpec.completions",
            "PodTemplate.metadata.annotations");
    assertThat(walked)
        .as("every reviewed field is one the walk sets")
        .containsAll(HARMLESS.keySet());
    assertThat(walked).containsAll(VALUES.keySet());
  }

  static Stream<Arguments> attacks() {
    return Stream.of(
        Arguments.of(
            "env from a Secret",
            List.of("spec", "template", "spec", "containers", 0, "env"),
            Map.of(
                "name",
                "IMDS_PROBE_DNS_NAME",
                "valueFrom",
                Map.of("secretKeyRef", Map.of("name", "db", "key", "password")))),
        Arguments.of(
            "envFrom a Secret",
            List.of("spec", "template", "spec", "containers", 0, "envFrom"),
            Map.of("secretRef", Map.of("name", "db"))),
        Arguments.of(
            "JAVA_TOOL_OPTIONS",
            List.of("spec", "template", "spec", "containers", 0, "env"),
            Map.of("name", "JAVA_TOOL_OPTIONS", "value", "-javaagent:/tmp/a.jar")),
        Arguments.of(
            "a hostPort",
            List.of("spec", "template", "spec", "containers", 0, "ports"),
            Map.of("containerPort", 80L, "hostPort", 80L)),
        Arguments.of(
            "a toleration of every taint",
            List.of("spec", "template", "spec", "tolerations"),
            Map.of("operator", "Exists")),
        Arguments.of(
            "a Multus network",
            List.of("spec", "template", "metadata", "annotations"),
            Map.entry("k8s.v1.cni.cncf.io/networks", "host-net")),
        Arguments.of(
            "a second IMDS_PROBE_EGRESS_URL",
            List.of("spec", "template", "spec", "containers", 0, "env"),
            Map.of("name", "IMDS_PROBE_EGRESS_URL", "value", "https://attacker.example/")),
        Arguments.of(
            "a node name by fieldRef elsewhere",
            List.of("spec", "template", "spec", "containers", 0, "env"),
            Map.of(
                "name",
                "IMDS_PROBE_PROFILE",
                "valueFrom",
                Map.of("fieldRef", Map.of("fieldPath", "spec.nodeName")))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  @DisplayName("the issue's ways in, each added to the prober's own Job, are denied")
  @SuppressWarnings("unchecked")
  void attacksDenied(String name, List<Object> path, Object added) {
    Map<String, Object> job =
        AdmissionPolicyTest.map(AdmissionPolicyTest.built("team-a", Map.of()));
    Map<String, Object> parent = at(job, path.subList(0, path.size() - 1));
    String key = (String) path.get(path.size() - 1);
    if (added instanceof Map.Entry<?, ?> e) {
      ((Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<>()))
          .put((String) e.getKey(), e.getValue());
    } else {
      ((List<Object>) parent.computeIfAbsent(key, k -> new ArrayList<>())).add(added);
    }
    AdmissionPolicy.Decision d =
        AdmissionPolicyTest.jobs.admit(
            AdmissionPolicyTest.request("CREATE", "team-a", AdmissionPolicyTest.PROBER),
            ApiServerView.job(job),
            null,
            AdmissionPolicyTest.params);
    assertThat(d.admitted()).as(name).isFalse();
    assertThat(d.message()).as(name).doesNotContain("expression failed");
  }

  static Config config(Map<String, String> keys) {
    return Config.load(Keys.ALL, null, Map.of(), keys);
  }

  static Job job(Config config, NodePools.Pool pool) {
    return job(config, pool, Profile.AWS);
  }

  static Job job(Config config, NodePools.Pool pool, Profile profile) {
    return new ProbeJobs(
            config,
            AdmissionPolicyTest.IMAGE,
            new Cluster(profile, "test", Set.of("node-1"), Set.of()))
        .job(
            new Target("team-a", Expectations.DEFAULT, Map.of("app", "web"), false, null),
            "20261127-101010-abcd",
            pool);
  }

  /** The shipped parameter object with the fields this configuration derives. */
  static Map<String, Object> paramsFor(Config config) {
    Map<String, String> data = new HashMap<>(shipped);
    for (PolicyParams.Param p : PolicyParams.of(config, AdmissionPolicyTest.IMAGE)) {
      data.put(p.field(), p.value());
    }
    return Map.of("data", data);
  }

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("defaults", Map.of()),
        Arguments.of(
            "tolerations, node selector, priority class, extra labels",
            Map.of(
                "probe.tolerations",
                "[{key: dedicated, operator: Equal, value: probes, effect: NoSchedule},"
                    + " {key: node.kubernetes.io/not-ready, operator: Exists,"
                    + " effect: NoExecute, tolerationSeconds: 30}]",
                "probe.nodeSelector",
                "kubernetes.io/os=linux,pool=probes",
                "probe.priorityClassName",
                "imds-probe",
                "probe.labels",
                "team=security,egress=standard")),
        Arguments.of(
            "pull secrets, no mesh annotations, other resources and UID",
            Map.of(
                "probe.imagePullSecrets", "registry-a,registry-b",
                "probe.annotations", "{}",
                "probe.cpuRequest", "100m",
                "probe.cpuLimit", "1",
                "probe.memoryRequest", "128Mi",
                "probe.memoryLimit", "256Mi",
                "probe.runAsUser", "10001",
                "probe.imagePullPolicy", "Always")),
        Arguments.of(
            "other DNS names and egress URLs, a longer deadline",
            Map.of(
                "dns.names", "kubernetes.default.svc,example.org",
                "egress.urls", "https://example.com/,https://example.org/health",
                "probe.deadline", "120s")),
        Arguments.of(
            "a longer connect timeout, no settle, more retries",
            Map.of(
                "probe.connectTimeout", "4500ms",
                "probe.settle", "0s",
                "probe.retries", "5")),
        Arguments.of(
            "metadata targets of its own, nothing allowed",
            Map.of(
                "metadata.targets", "10.200.0.1:80,tcp=10.200.0.2:8080", "metadata.allowed", "")),
        Arguments.of(
            "another allowed target (every profile's line changes)",
            Map.of("metadata.allowed", "169.254.170.23:80,169.254.170.2:80")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  @DisplayName(
      "the prober's own Job is admitted for each configuration, with the parameters it derives")
  void ownJobAdmitted(String name, Map<String, String> keys) {
    Config config = config(keys);
    Job job = job(config, null);
    Map<String, Object> params = paramsFor(config);
    assertThat(AdmissionPolicyTest.create(job, params)).as(name).isEqualTo(ok());
    assertThat(
            jobs.admit(
                AdmissionPolicyTest.request("CREATE", "team-a", AdmissionPolicyTest.PROBER),
                AdmissionPolicyTest.map(job),
                null,
                params))
        .as(name + ", as sent")
        .isEqualTo(ok());
    if (!keys.isEmpty()) {
      assertThat(AdmissionPolicyTest.create(job).admitted())
          .as(name + ": with the shipped (default) parameters the same Job is denied")
          .isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Profile.class)
  @DisplayName(
      "the prober's own Job for every profile it can detect is admitted by the shipped parameters")
  void ownJobOfEveryProfileAdmitted(Profile profile) {
    Job job = job(config(Map.of()), null, profile);
    assertThat(env(AdmissionPolicyTest.map(job)))
        .as("the Job carries this profile")
        .containsEntry("IMDS_PROBE_PROFILE", profile.word());
    assertThat(AdmissionPolicyTest.create(job)).as(profile.word()).isEqualTo(ok());
  }

  @Test
  @DisplayName(
      "metadata.profile configured: its one line is among the shipped ones, its Job admitted")
  void configuredProfileAdmitted() {
    Config config = config(Map.of("metadata.profile", "azure"));
    assertThat(PolicyParams.mismatch(PolicyParams.of(config, shipped.get("image")), shipped, "s"))
        .as("the start-up check passes the shipped parameters")
        .isEmpty();
    assertThat(AdmissionPolicyTest.create(job(config, null, Profile.AZURE))).isEqualTo(ok());
  }

  static Stream<Arguments> agentSettings() {
    return Stream.of(
        Arguments.of("a shorter connect timeout", "IMDS_PROBE_CONNECT_TIMEOUT", "100ms"),
        Arguments.of("no settle", "IMDS_PROBE_SETTLE", "0s"),
        Arguments.of("no retries", "IMDS_PROBE_RETRIES", "0"),
        Arguments.of(
            "another profile's mode for the same targets", "IMDS_PROBE_PROFILE", "generic"),
        Arguments.of("a profile the prober does not know", "IMDS_PROBE_PROFILE", "attacker"),
        Arguments.of(
            "metadata connects at another host",
            "IMDS_PROBE_METADATA",
            "10.0.0.5:80,[fd00:ec2::254]:80,tcp=169.254.170.23:80"),
        Arguments.of(
            "one metadata target dropped",
            "IMDS_PROBE_METADATA",
            "[fd00:ec2::254]:80,tcp=169.254.170.23:80"),
        Arguments.of(
            "another profile's targets (gcp's) under aws",
            "IMDS_PROBE_METADATA",
            "169.254.169.254:80,tcp=169.254.170.23:80"),
        Arguments.of(
            "an attacker's egress URL", "IMDS_PROBE_EGRESS_URL", "https://attacker.example/"),
        Arguments.of("an attacker's DNS name", "IMDS_PROBE_DNS_NAME", "attacker.example"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("agentSettings")
  @DisplayName("the agent's settings, each changed on the prober's own Job, are denied")
  void changedAgentSettingDenied(String name, String variable, String value) {
    Map<String, Object> job =
        AdmissionPolicyTest.map(AdmissionPolicyTest.built("team-a", Map.of()));
    Map<String, Object> entry = envEntry(job, variable);
    assertThat(entry.get("value")).as(name + ": the value must differ").isNotEqualTo(value);
    entry.put("value", value);
    AdmissionPolicy.Decision d = decide(job);
    assertThat(d.admitted()).as(name).isFalse();
    assertThat(d.message()).as(name).doesNotContain("expression failed");
    if (!variable.equals("IMDS_PROBE_PROFILE") && !variable.equals("IMDS_PROBE_METADATA")) {
      assertThat(d.message()).as(name + ": the denial names the variable").contains(variable);
    } else {
      assertThat(d.message()).contains("metadataTargets");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "IMDS_PROBE_PROFILE",
        "IMDS_PROBE_METADATA",
        "IMDS_PROBE_CONNECT_TIMEOUT",
        "IMDS_PROBE_SETTLE",
        "IMDS_PROBE_RETRIES",
        "IMDS_PROBE_DNS_NAME",
        "IMDS_PROBE_EGRESS_URL"
      })
  @DisplayName(
      "each pinned variable left out of the prober's own Job (the agent's default) is denied")
  @SuppressWarnings("unchecked")
  void droppedAgentSettingDenied(String variable) {
    Map<String, Object> job =
        AdmissionPolicyTest.map(AdmissionPolicyTest.built("team-a", Map.of()));
    List<Object> env = (List<Object>) at(job, CONTAINER).get("env");
    assertThat(env.remove(envEntry(job, variable))).isTrue();
    AdmissionPolicy.Decision d = decide(job);
    assertThat(d.admitted()).as(variable).isFalse();
    assertThat(d.message()).as(variable).doesNotContain("expression failed");
  }

  static final List<Object> CONTAINER = List.of("spec", "template", "spec", "containers", 0);

  static AdmissionPolicy.Decision decide(Map<String, Object> job) {
    return jobs.admit(
        AdmissionPolicyTest.request("CREATE", "team-a", AdmissionPolicyTest.PROBER),
        ApiServerView.job(job),
        null,
        AdmissionPolicyTest.params);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> envEntry(Map<String, Object> job, String variable) {
    List<Object> env = (List<Object>) at(job, CONTAINER).get("env");
    return env.stream()
        .map(e -> (Map<String, Object>) e)
        .filter(e -> variable.equals(e.get("name")))
        .findFirst()
        .orElseThrow();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> env(Map<String, Object> job) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Object e : (List<Object>) at(job, CONTAINER).get("env")) {
      Map<String, Object> m = (Map<String, Object>) e;
      out.put((String) m.get("name"), m.get("value"));
    }
    return out;
  }

  @Test
  @DisplayName("a probe pinned to any node pool label is admitted; to another label, denied")
  @SuppressWarnings("unchecked")
  void nodePools() {
    Config config = config(Map.of());
    for (String label : NodePools.POOL_LABELS) {
      Job job = job(config, new NodePools.Pool("p", label, "p"));
      assertThat(AdmissionPolicyTest.create(job)).as(label).isEqualTo(ok());
    }
    Job byHost = job(config, new NodePools.Pool("p", "kubernetes.io/hostname", "node-7"));
    assertThat(AdmissionPolicyTest.create(byHost).admitted())
        .as("pinned to one node by its hostname")
        .isFalse();
  }

  @Test
  @DisplayName("the shipped parameter object states what the default configuration derives")
  void shippedParamsAreTheDefaults() {
    Config defaults = config(Map.of());
    List<PolicyParams.Param> derived = PolicyParams.of(defaults, shipped.get("image"));
    assertThat(PolicyParams.mismatch(derived, shipped, "shipped")).isEmpty();
    assertThat(shipped.keySet())
        .as("every field the policy reads is stated")
        .containsAll(derived.stream().map(PolicyParams.Param::field).toList());
  }

  static AdmissionPolicy.Decision ok() {
    return AdmissionPolicyTest.ok();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> at(Map<String, Object> root, List<Object> path) {
    Object o = root;
    for (Object step : path) {
      if (step instanceof Integer i) {
        o = ((List<Object>) o).get(i);
      } else {
        o = ((Map<String, Object>) o).computeIfAbsent((String) step, k -> new LinkedHashMap<>());
      }
    }
    return (Map<String, Object>) o;
  }

  /**
   * A value of {@code type} other than {@code before}: a list gets one more element, a map one more
   * entry, an object is populated, a boolean flips, a number grows, a string is new.
   */
  @SuppressWarnings("unchecked")
  static Object changed(Type type, Object before) {
    Class<?> raw = raw(type);
    if (List.class.isAssignableFrom(raw)) {
      List<Object> out =
          before == null ? new ArrayList<>() : new ArrayList<>((List<Object>) before);
      out.add(sample(arg(type, 0), 1));
      return out;
    }
    if (Map.class.isAssignableFrom(raw)) {
      Map<String, Object> out =
          before == null
              ? new LinkedHashMap<>()
              : new LinkedHashMap<>((Map<String, Object>) before);
      out.put("imds-test.example/key", sample(arg(type, 1), 1));
      return out;
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return !Boolean.TRUE.equals(before);
    }
    if (Number.class.isAssignableFrom(raw)) {
      return before == null ? 7L : ((Number) before).longValue() + 1;
    }
    return sample(type, 0);
  }

  /** A valid-looking value of {@code type}; an object with every property populated. */
  static Object sample(Type type, int depth) {
    Class<?> raw = raw(type);
    if (raw == String.class) {
      return "imds-test";
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return true;
    }
    if (Number.class.isAssignableFrom(raw)) {
      return 7L;
    }
    if (raw == Quantity.class) {
      return "3";
    }
    if (raw == IntOrString.class) {
      return 8081L;
    }
    if (List.class.isAssignableFrom(raw)) {
      return depth > 3 ? List.of() : List.of(sample(arg(type, 0), depth + 1));
    }
    if (Map.class.isAssignableFrom(raw)) {
      return depth > 3
          ? Map.of()
          : Map.of("imds-test.example/key", sample(arg(type, 1), depth + 1));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    if (depth <= 3 && raw.getName().startsWith("io.fabric8")) {
      for (Field f : properties(raw)) {
        out.put(name(f), sample(f.getGenericType(), depth + 1));
      }
    }
    return out;
  }

  static Class<?> raw(Type type) {
    return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
  }

  static Type arg(Type type, int i) {
    return type instanceof ParameterizedType p ? p.getActualTypeArguments()[i] : Object.class;
  }
}
