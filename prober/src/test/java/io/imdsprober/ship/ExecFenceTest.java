package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.imdsprober.sweep.ProbeJobs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exec fence (probe-exec.yaml): a tenant with {@code edit} cannot exec, attach or port-forward
 * into a running probe pod, nor add a debug container to it, to write forged facts; whoever asks.
 * Requests are shaped as the API server hands them to a policy: a CONNECT names the pod only
 * ({@code object} is the *Options, {@code oldObject} null); an ephemeral-containers UPDATE carries
 * the whole pod.
 */
class ExecFenceTest {
  static final List<String> USERS =
      List.of(
          "alice",
          "system:serviceaccount:team-a:deployer",
          AdmissionPolicyTest.PROBER,
          "system:admin");
  static AdmissionPolicy fence;

  @BeforeAll
  static void load() throws Exception {
    fence =
        new AdmissionPolicy(
            AdmissionPolicyTest.DIR.resolve("probe-exec.yaml"), "imds-prober-probe-exec");
  }

  static Map<String, Object> connect(String subResource, String pod, String user) {
    return Map.of(
        "operation",
        "CONNECT",
        "namespace",
        "team-a",
        "name",
        pod,
        "subResource",
        subResource,
        "userInfo",
        Map.of("username", user));
  }

  static Map<String, Object> options(String subResource) {
    return switch (subResource) {
      case "exec" ->
          Map.of(
              "kind",
              "PodExecOptions",
              "apiVersion",
              "v1",
              "stdin",
              true,
              "tty",
              true,
              "container",
              ProbeJobs.CONTAINER,
              "command",
              List.of("sh"));
      case "attach" -> Map.of("kind", "PodAttachOptions", "apiVersion", "v1", "stdin", true);
      default ->
          Map.of("kind", "PodPortForwardOptions", "apiVersion", "v1", "ports", List.of(8080L));
    };
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"exec", "attach", "portforward"})
  @DisplayName("CONNECT to a probe pod is denied to everyone; to another pod, not this policy's")
  void connect(String subResource) {
    String probe = ProbeJobs.jobName("20261127-101010-abcd") + "-x7k2p";
    for (String user : USERS) {
      AdmissionPolicy.Decision d =
          fence.admit(connect(subResource, probe, user), options(subResource), null, null);
      assertThat(d.admitted()).as(user + " " + subResource).isFalse();
      assertThat(d.message())
          .as(user)
          .isEqualTo(
              "no "
                  + subResource
                  + " into a probe pod ("
                  + probe
                  + "): its result must be the agent's own");
      assertThat(
              fence.admit(
                  connect(subResource, "web-7d9f-abcde", user), options(subResource), null, null))
          .as("a workload's pod")
          .isEqualTo(AdmissionPolicyTest.ok());
    }
  }

  static Map<String, Object> update(String pod, String user) {
    return Map.of(
        "operation", "UPDATE",
        "namespace", "team-a",
        "name", pod,
        "subResource", "ephemeralcontainers",
        "userInfo", Map.of("username", user));
  }

  static Pod withDebugContainer(Pod pod) {
    return new PodBuilder(pod)
        .editSpec()
        .addNewEphemeralContainer()
        .withName("debugger")
        .withImage("busybox")
        .withTargetContainerName(ProbeJobs.CONTAINER)
        .endEphemeralContainer()
        .endSpec()
        .build();
  }

  @Test
  @DisplayName(
      "an ephemeral container is added to no probe pod (by name or by label); other pods: not this"
          + " policy's")
  void ephemeralContainers() {
    Pod probe = AdmissionPolicyTest.probePod();
    for (String user : USERS) {
      AdmissionPolicy.Decision d =
          fence.admit(
              update(probe.getMetadata().getName(), user),
              AdmissionPolicyTest.map(withDebugContainer(probe)),
              AdmissionPolicyTest.map(probe),
              null);
      assertThat(d.admitted()).as(user).isFalse();
      assertThat(d.message()).contains("no ephemeral container in a probe pod");
    }
    Pod renamed =
        new PodBuilder(probe)
            .editMetadata()
            .withName("renamed-by-a-controller")
            .endMetadata()
            .build();
    assertThat(
            fence
                .admit(
                    update("renamed-by-a-controller", "alice"),
                    AdmissionPolicyTest.map(withDebugContainer(renamed)),
                    AdmissionPolicyTest.map(renamed),
                    null)
                .admitted())
        .as("labelled imds-prober.io/sweep, whatever its name")
        .isFalse();
    Pod web =
        new PodBuilder()
            .withNewMetadata()
            .withName("web-7d9f-abcde")
            .withNamespace("team-a")
            .addToLabels("app", "web")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("web")
            .withImage("nginx")
            .endContainer()
            .endSpec()
            .build();
    assertThat(
            fence.admit(
                update("web-7d9f-abcde", "alice"),
                AdmissionPolicyTest.map(withDebugContainer(web)),
                AdmissionPolicyTest.map(web),
                null))
        .isEqualTo(AdmissionPolicyTest.ok());
  }

  @Test
  @DisplayName(
      "the fence matches CONNECT on exec, attach, portforward and UPDATE on ephemeralcontainers,"
          + " fails closed, and needs no parameter object")
  @SuppressWarnings("unchecked")
  void matchConstraints() throws Exception {
    assertThat(fence.failurePolicy).isEqualTo("Fail");
    Map<String, Object> policy = null;
    for (var o :
        Manifests.objects(
            java.nio.file.Files.readString(AdmissionPolicyTest.DIR.resolve("probe-exec.yaml")))) {
      if (o.getKind().equals("ValidatingAdmissionPolicy")) {
        policy = AdmissionPolicyTest.map(o);
      }
    }
    assertThat(policy).isNotNull();
    List<Map<String, Object>> rules =
        (List<Map<String, Object>>)
            ((Map<String, Object>)
                    ((Map<String, Object>) policy.get("spec")).get("matchConstraints"))
                .get("resourceRules");
    assertThat(rules)
        .extracting(r -> r.get("operations"), r -> r.get("resources"))
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                List.of("CONNECT"), List.of("pods/exec", "pods/attach", "pods/portforward")),
            org.assertj.core.groups.Tuple.tuple(
                List.of("UPDATE"), List.of("pods/ephemeralcontainers")));
    assertThat(((Map<String, Object>) policy.get("spec")))
        .doesNotContainKeys("paramKind", "matchConditions");
    String rendered = Manifests.kustomize("deployment");
    assertThat(rendered).contains("name: imds-prober-probe-exec");
    assertThat(Manifests.kustomize("cronjob")).contains("name: imds-prober-probe-exec");
  }
}
