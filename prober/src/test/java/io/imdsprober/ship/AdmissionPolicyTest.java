package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import io.imdsprober.facts.Profile;
import io.imdsprober.sweep.Cluster;
import io.imdsprober.sweep.ProbeJobs;
import io.imdsprober.sweep.Target;
import io.imdsprober.verdict.Expectations;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The admission policies' CEL evaluated for real (CEL for Java), read from the manifests so the
 * file and the test cannot drift: the Jobs the sweep builds are admitted, each rule denies its
 * mutation with its message, probe pods are created only by the Job controller and not changed by
 * anyone else, and a missing parameter object fails closed.
 */
class AdmissionPolicyTest {
  static final Path DIR = Manifests.MANIFESTS.resolve("components/admission-policy");
  static final String PROBER = "system:serviceaccount:imds-prober:imds-prober";
  static final String JOB_CONTROLLER = "system:serviceaccount:kube-system:job-controller";
  static final String IMAGE = "registry.example/imds-prober:1.0.0";
  static AdmissionPolicy jobs;
  static AdmissionPolicy pods;
  static Map<String, Object> params;

  @BeforeAll
  static void load() throws Exception {
    jobs = new AdmissionPolicy(DIR.resolve("probe-jobs.yaml"), "imds-prober-probe-jobs");
    pods = new AdmissionPolicy(DIR.resolve("probe-pods.yaml"), "imds-prober-probe-pods");
    // the parameter object as the deployment overlay renders it, the image set as a test image
    List<HasMetadata> rendered = Manifests.objects(Manifests.kustomize("deployment"));
    ConfigMap cm = Manifests.one(rendered, ConfigMap.class, "imds-prober-admission");
    Map<String, String> data = new HashMap<>(cm.getData());
    assertThat(data.get("image")).isEqualTo("ghcr.io/imds-prober/imds-prober:0.1.0");
    data.put("image", IMAGE);
    params = Map.of("data", data);
  }

  static Map<String, Object> request(String operation, String namespace, String user) {
    return Map.of(
        "operation", operation, "namespace", namespace, "userInfo", Map.of("username", user));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return Manifests.SERIALIZATION.unmarshal(Manifests.SERIALIZATION.asJson(o), Map.class);
  }

  /** A probe Job exactly as the sweep builds it (the default configuration, the test image). */
  static Job built(String namespace, Map<String, String> probeLabels) {
    Config config = Config.load(Keys.ALL, null, Map.of(), Map.of("probe.tolerations", "[]"));
    return new ProbeJobs(
            config, IMAGE, new Cluster(Profile.AWS, "test", Set.of("node-1"), Set.of()))
        .job(
            new Target(namespace, Expectations.DEFAULT, probeLabels, false, null),
            "20261127-101010-abcd");
  }

  /** The decision on the Job as the API server holds it when it asks (defaulted). */
  static AdmissionPolicy.Decision create(Job job) {
    return create(job, params);
  }

  static AdmissionPolicy.Decision create(Job job, Map<String, Object> params) {
    return jobs.admit(
        request("CREATE", job.getMetadata().getNamespace(), PROBER),
        ApiServerView.job(map(job)),
        null,
        params);
  }

  /** The decision on the Job exactly as the prober sends it (no server defaults). */
  static AdmissionPolicy.Decision createAsSent(Job job) {
    return jobs.admit(
        request("CREATE", job.getMetadata().getNamespace(), PROBER), map(job), null, params);
  }

  @Test
  @DisplayName("every Job the sweep builds is admitted, in any target namespace, with probe labels")
  void sweepJobsAdmitted() {
    assertThat(jobs.size()).isGreaterThanOrEqualTo(11);
    assertThat(jobs.failurePolicy).isEqualTo("Fail");
    for (Job job :
        List.of(
            built("team-a", Map.of()),
            built("shop", Map.of("app", "web", "tier", "frontend")),
            built("default", Map.of()))) {
      assertThat(create(job)).as(job.getMetadata().getNamespace()).isEqualTo(ok());
      assertThat(createAsSent(job)).as(job.getMetadata().getNamespace()).isEqualTo(ok());
    }
    // deleting its own Job, with the labels the sweep gave it
    Job own = built("team-a", Map.of());
    assertThat(jobs.admit(request("DELETE", "team-a", PROBER), null, map(own), params))
        .isEqualTo(ok());
  }

  static AdmissionPolicy.Decision ok() {
    return new AdmissionPolicy.Decision(true, "");
  }

  static Stream<Arguments> mutations() {
    return Stream.of(
        Arguments.of(
            "a hostPath volume",
            (UnaryOperator<JobBuilder>)
                b ->
                    b.editSpec()
                        .editTemplate()
                        .editSpec()
                        .addNewVolume()
                        .withName("root")
                        .withNewHostPath()
                        .withPath("/")
                        .endHostPath()
                        .endVolume()
                        .endSpec()
                        .endTemplate()
                        .endSpec(),
            "may not set spec.volumes"),
        Arguments.of(
            "privileged",
            (UnaryOperator<JobBuilder>)
                b ->
                    b.editSpec()
                        .editTemplate()
                        .editSpec()
                        .editFirstContainer()
                        .editSecurityContext()
                        .withPrivileged(true)
                        .endSecurityContext()
                        .endContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec(),
            "restricted security context"),
        Arguments.of(
            "another image",
            (UnaryOperator<JobBuilder>)
                b ->
                    b.editSpec()
                        .editTemplate()
                        .editSpec()
                        .editFirstContainer()
                        .withImage("attacker.example/miner:latest")
                        .endContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec(),
            "configured probe image only"),
        Arguments.of(
            "another command",
            (UnaryOperator<JobBuilder>)
                b ->
                    b.editSpec()
                        .editTemplate()
                        .editSpec()
                        .editFirstContainer()
                        .withCommand("sh", "-c", "curl http://169.254.169.254/")
                        .endContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec(),
            "configured probe command"),
        Arguments.of(
            "another service account",
            (UnaryOperator<JobBuilder>)
                b ->
                    b.editSpec()
                        .editTemplate()
                        .editSpec()
                        .withServiceAccountName("cluster-admin-sa")
                        .withAutomountServiceAccountToken(true)
                        .endSpec()
                        .endTemplate()
                        .endSpec(),
            "may not set spec.serviceAccountName"),
        Arguments.of(
            "the host network",
            (UnaryOperator<JobBuilder>)
                b ->
                    b.editSpec()
                        .editTemplate()
                        .editSpec()
                        .withHostNetwork(true)
                        .endSpec()
                        .endTemplate()
                        .endSpec(),
            "no host namespace"),
        Arguments.of(
            "kube-system",
            (UnaryOperator<JobBuilder>)
                b -> b.editMetadata().withNamespace("kube-system").endMetadata(),
            "excluded namespace"),
        Arguments.of(
            "no managed-by label",
            (UnaryOperator<JobBuilder>)
                b -> b.editMetadata().removeFromLabels(ProbeJobs.MANAGED_BY_LABEL).endMetadata(),
            "carry app.kubernetes.io/managed-by=imds-prober"),
        Arguments.of(
            "a wrong name",
            (UnaryOperator<JobBuilder>) b -> b.editMetadata().withName("backup").endMetadata(),
            "named imds-probe-*"),
        Arguments.of(
            "an init container",
            (UnaryOperator<JobBuilder>)
                b ->
                    b.editSpec()
                        .editTemplate()
                        .editSpec()
                        .addNewInitContainer()
                        .withName("x")
                        .withImage(IMAGE)
                        .endInitContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec(),
            "may not set spec.initContainers"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mutations")
  @DisplayName("each rule denies its mutation of a real probe Job, with its message")
  void mutationDenied(String name, UnaryOperator<JobBuilder> change, String message) {
    Job job = change.apply(new JobBuilder(built("team-a", Map.of()))).build();
    AdmissionPolicy.Decision d = create(job);
    assertThat(d.admitted()).as(name).isFalse();
    assertThat(d.message()).as(name).contains(message).doesNotContain("expression failed");
  }

  @Test
  @DisplayName(
      "the prober may not update Jobs nor delete others'; other users are not this policy's")
  void updatesAndDeletes() {
    Job own = built("team-a", Map.of());
    assertThat(jobs.admit(request("UPDATE", "team-a", PROBER), map(own), map(own), params))
        .extracting(AdmissionPolicy.Decision::admitted)
        .isEqualTo(false);
    Job foreign =
        new JobBuilder()
            .withNewMetadata()
            .withName("backup")
            .withNamespace("team-a")
            .endMetadata()
            .build();
    AdmissionPolicy.Decision d =
        jobs.admit(request("DELETE", "team-a", PROBER), null, map(foreign), params);
    assertThat(d.admitted()).isFalse();
    assertThat(d.message()).contains("deletes only Jobs labelled");
    Job hostile =
        new JobBuilder(own)
            .editSpec()
            .editTemplate()
            .editSpec()
            .withHostNetwork(true)
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    assertThat(jobs.admit(request("CREATE", "team-a", "alice"), map(hostile), null, params))
        .as("another user's Job is not this policy's to judge")
        .extracting(AdmissionPolicy.Decision::admitted)
        .isEqualTo(true);
  }

  @Test
  @DisplayName("no parameter object: the binding denies (fail closed)")
  void failClosed() {
    AdmissionPolicy.Decision d = create(built("team-a", Map.of()));
    assertThat(d).isEqualTo(ok());
    AdmissionPolicy.Decision without =
        jobs.admit(request("CREATE", "team-a", PROBER), map(built("team-a", Map.of())), null, null);
    assertThat(without.admitted()).isFalse();
    assertThat(without.message()).contains("parameterNotFoundAction: Deny");
  }

  static Pod probePod() {
    Job job = built("team-a", Map.of());
    return new PodBuilder()
        .withNewMetadataLike(job.getSpec().getTemplate().getMetadata())
        .withName("imds-probe-20261127-101010-abcd-x7k2p")
        .withNamespace("team-a")
        .endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .build();
  }

  @Test
  @DisplayName(
      "probe pods: created by the Job controller only; their labels and spec changed by no one else")
  void probePods() {
    Pod pod = probePod();
    assertThat(pods.admit(request("CREATE", "team-a", JOB_CONTROLLER), map(pod), null, params))
        .isEqualTo(ok());
    assertThat(
            pods.admit(
                    request("CREATE", "team-a", "system:kube-controller-manager"),
                    map(pod),
                    null,
                    params)
                .admitted())
        .as("the controller manager's own identity, where it runs without per-controller accounts")
        .isTrue();
    AdmissionPolicy.Decision forged =
        pods.admit(request("CREATE", "team-a", "alice"), map(pod), null, params);
    assertThat(forged.admitted()).isFalse();
    assertThat(forged.message()).contains("only the Job controller creates pods");

    Pod relabelled =
        new PodBuilder(pod)
            .editMetadata()
            .removeFromLabels(ProbeJobs.SWEEP_LABEL)
            .addToLabels("egress", "deny-all")
            .endMetadata()
            .build();
    AdmissionPolicy.Decision tenant =
        pods.admit(
            request("UPDATE", "team-a", "system:serviceaccount:team-a:deployer"),
            map(relabelled),
            map(pod),
            params);
    assertThat(tenant.admitted()).isFalse();
    assertThat(tenant.message())
        .contains("labels and spec of a probe pod are not to be changed")
        .doesNotContain("expression failed");

    Pod annotated =
        new PodBuilder(pod).editMetadata().addToAnnotations("note", "seen").endMetadata().build();
    assertThat(pods.admit(request("UPDATE", "team-a", "alice"), map(annotated), map(pod), params))
        .as("an annotation changes neither labels nor spec")
        .isEqualTo(ok());
    assertThat(
            pods.admit(
                    request("UPDATE", "team-a", JOB_CONTROLLER), map(relabelled), map(pod), params)
                .admitted())
        .isTrue();
    assertThat(pods.admit(request("CREATE", "team-a", JOB_CONTROLLER), map(pod), null, null))
        .extracting(AdmissionPolicy.Decision::admitted)
        .isEqualTo(false);
  }
}
