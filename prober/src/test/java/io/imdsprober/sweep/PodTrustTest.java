package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.config.Config;
import io.imdsprober.facts.Profile;
import io.imdsprober.verdict.Expectations;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ownership rules, one row per way a pod can fail to be the sweep's own: pure, on the Job the
 * sweep really builds and the pod the Job controller would make of it.
 */
class PodTrustTest {
  static final String UID = "6f1c0d2e-0000-4000-8000-00000000beef";
  static final Job JOB =
      new ProbeJobs(
              Config.defaults(),
              "ghcr.io/imds-prober/imds-prober:1.0.0",
              new Cluster(Profile.AWS, "test", Set.of("node-1"), Set.of()))
          .job(
              new Target("team", Expectations.DEFAULT, Map.of("app", "web"), false, null),
              "20261127-101010-abcd");

  /** The pod the Job controller makes: the template, its labels, controlled by the Job. */
  static PodBuilder controllers() {
    return new PodBuilder()
        .withNewMetadataLike(JOB.getSpec().getTemplate().getMetadata())
        .withName("imds-probe-20261127-101010-abcd-x7k2p")
        .withNamespace("team")
        .addToLabels("batch.kubernetes.io/controller-uid", UID)
        .addToLabels("batch.kubernetes.io/job-name", JOB.getMetadata().getName())
        .addToLabels("controller-uid", UID)
        .addToLabels("job-name", JOB.getMetadata().getName())
        .addNewOwnerReference()
        .withApiVersion("batch/v1")
        .withKind("Job")
        .withName(JOB.getMetadata().getName())
        .withUid(UID)
        .withController(true)
        .withBlockOwnerDeletion(true)
        .endOwnerReference()
        .endMetadata()
        .withSpec(JOB.getSpec().getTemplate().getSpec())
        .editSpec()
        .withNodeName("node-1")
        .endSpec();
  }

  static String problem(UnaryOperator<PodBuilder> change) {
    Pod pod = change.apply(controllers()).build();
    return PodTrust.problem(pod, UID, JOB.getSpec().getTemplate());
  }

  @Test
  @DisplayName("the Job controller's own pod, as the API server defaults it, is trusted")
  void ownPod() {
    assertThat(problem(b -> b)).isNull();
    // the API server defaults fieldRef.apiVersion; that is not a change of the spec
    assertThat(
            problem(
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .editMatchingEnv(e -> e.getName().equals("IMDS_PROBE_POD_NAME"))
                        .editValueFrom()
                        .editFieldRef()
                        .withApiVersion("v1")
                        .endFieldRef()
                        .endValueFrom()
                        .endEnv()
                        .endContainer()
                        .endSpec()))
        .isNull();
  }

  static Stream<Arguments> untrusted() {
    return Stream.of(
        Arguments.of(
            "no controller",
            (UnaryOperator<PodBuilder>) b -> b.editMetadata().withOwnerReferences().endMetadata(),
            "has no controller"),
        Arguments.of(
            "controlled by another UID",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editMetadata()
                        .editFirstOwnerReference()
                        .withUid("other")
                        .endOwnerReference()
                        .endMetadata(),
            "not by the probe Job"),
        Arguments.of(
            "controlled by a ReplicaSet",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editMetadata()
                        .editFirstOwnerReference()
                        .withKind("ReplicaSet")
                        .endOwnerReference()
                        .endMetadata(),
            "is controlled by ReplicaSet"),
        Arguments.of(
            "lost the namespace's probe label",
            (UnaryOperator<PodBuilder>) b -> b.editMetadata().removeFromLabels("app").endMetadata(),
            "lost its label app"),
        Arguments.of(
            "a label value changed",
            (UnaryOperator<PodBuilder>)
                b -> b.editMetadata().addToLabels("app", "batch").endMetadata(),
            "has label app=batch, the prober gave it web"),
        Arguments.of(
            "a label added",
            (UnaryOperator<PodBuilder>)
                b -> b.editMetadata().addToLabels("policy", "deny-all").endMetadata(),
            "has label policy=deny-all that the prober did not give it"),
        Arguments.of(
            "host network",
            (UnaryOperator<PodBuilder>) b -> b.editSpec().withHostNetwork(true).endSpec(),
            "runs on the host network"),
        Arguments.of(
            "a sidecar",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .addNewContainer()
                        .withName("istio-proxy")
                        .withImage("proxy")
                        .endContainer()
                        .endSpec(),
            "has containers probe,istio-proxy"),
        Arguments.of(
            "an init container",
            (UnaryOperator<PodBuilder>)
                b -> b.editSpec().addNewInitContainer().withName("x").endInitContainer().endSpec(),
            "has init or ephemeral containers"),
        Arguments.of(
            "another image",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .withImage("evil/probe:1")
                        .endContainer()
                        .endSpec(),
            "runs image evil/probe:1"),
        Arguments.of(
            "another command",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .withCommand("sh", "-c", "echo protected")
                        .endContainer()
                        .endSpec(),
            "runs command [sh, -c, echo protected]"),
        Arguments.of(
            "another target list",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .editMatchingEnv(e -> e.getName().equals("IMDS_PROBE_METADATA"))
                        .withValue("10.0.0.1:1")
                        .endEnv()
                        .endContainer()
                        .endSpec(),
            "has IMDS_PROBE_METADATA=10.0.0.1:1"),
        Arguments.of(
            "a java agent",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .addToEnv(
                            new EnvVarBuilder()
                                .withName("JAVA_TOOL_OPTIONS")
                                .withValue("-javaagent:/tmp/a.jar")
                                .build())
                        .endContainer()
                        .endSpec(),
            "has JAVA_TOOL_OPTIONS=-javaagent:/tmp/a.jar"),
        Arguments.of(
            "a volume over the result",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .addNewVolumeMount()
                        .withName("v")
                        .withMountPath("/dev/termination-log")
                        .endVolumeMount()
                        .endContainer()
                        .endSpec(),
            "mounts volumes"),
        Arguments.of(
            "another result path",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .withTerminationMessagePath("/tmp/forged")
                        .endContainer()
                        .endSpec(),
            "writes its result to /tmp/forged"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("untrusted")
  @DisplayName("each change a tenant or a webhook can make to the probe pod is named")
  void untrustedPods(String name, UnaryOperator<PodBuilder> change, String detail) {
    assertThat(problem(change)).as(name).isNotNull().contains(detail);
  }

  @Test
  @DisplayName("an env variable that does not touch the agent (a webhook's) is not tampering")
  void harmlessVariable() {
    assertThat(
            problem(
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .addToEnv(new EnvVarBuilder().withName("TZ").withValue("UTC").build())
                        .endContainer()
                        .endSpec()))
        .isNull();
  }
}
