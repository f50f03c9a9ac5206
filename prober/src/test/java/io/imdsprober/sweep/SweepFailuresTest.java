package io.imdsprober.sweep;

import static io.imdsprober.sweep.FakeKubelet.facts;
import static io.imdsprober.sweep.FakeKubelet.failedCreate;
import static io.imdsprober.sweep.FakeKubelet.nothing;
import static io.imdsprober.sweep.FakeKubelet.stuck;
import static io.imdsprober.sweep.FakeKubelet.terminated;
import static io.imdsprober.sweep.SweeperTest.find;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Verdict;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every way a probe can fail is an error with its bounded reason; the sweep goes on. */
class SweepFailuresTest extends SweepTestCase {

  static PodStatus waiting(String reason) {
    return new PodStatusBuilder()
        .withPhase("Pending")
        .addNewContainerStatus()
        .withName(ProbeJobs.CONTAINER)
        .withNewState()
        .withNewWaiting()
        .withReason(reason)
        .withMessage("pull of registry.invalid/imds-prober:test failed")
        .endWaiting()
        .endState()
        .endContainerStatus()
        .build();
  }

  @Test
  @DisplayName(
      "each failure is an error with its reason and detail; the other namespaces are judged")
  void everyReason() throws Exception {
    Map<String, FakeKubelet.Script> scripts = new LinkedHashMap<>();
    scripts.put(
        "psa",
        failedCreate(
            "Error creating: pods \"imds-probe-x\" is forbidden: violates PodSecurity"
                + " \"restricted:latest\": allowPrivilegeEscalation != false"));
    scripts.put(
        "pod-webhook",
        failedCreate(
            "Error creating: admission webhook \"deny.example.com\" denied the request: no"));
    scripts.put(
        "quota",
        failedCreate(
            "Error creating: pods \"imds-probe-x\" is forbidden: exceeded quota: compute,"
                + " requested: limits.memory=128Mi, used: limits.memory=1Gi, limited:"
                + " limits.memory=1Gi"));
    scripts.put(
        "pod-invalid",
        failedCreate(
            "Error creating: Pod \"imds-probe-x\" is invalid: spec.containers[0].image: Required"));
    scripts.put(
        "unschedulable",
        stuck(
            new PodStatusBuilder()
                .withPhase("Pending")
                .addNewCondition()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient memory.")
                .endCondition()
                .build()));
    scripts.put("image-pull", stuck(waiting("ImagePullBackOff")));
    scripts.put("image-invalid", stuck(waiting("InvalidImageName")));
    scripts.put(
        "deadline",
        stuck(
            new PodStatusBuilder()
                .withPhase("Running")
                .addNewContainerStatus()
                .withName(ProbeJobs.CONTAINER)
                .withNewState()
                .withNewRunning()
                .withStartedAt("2026-11-26T10:00:00Z")
                .endRunning()
                .endState()
                .endContainerStatus()
                .build()));
    scripts.put(
        "evicted",
        stuck(
            new PodStatusBuilder()
                .withPhase("Failed")
                .withReason("Evicted")
                .withMessage("The node was low on resource: memory.")
                .build()));
    scripts.put("malformed", facts("not json at all"));
    String big =
        ProbeFacts.PROTECTED.replace("\"errors\":[]", "\"errors\":[\"" + "x".repeat(5000) + "\"]");
    scripts.put("oversized", facts(big.substring(0, 4096)));
    scripts.put("wrong-version", facts(ProbeFacts.PROTECTED.replace("\"v\":1", "\"v\":2")));
    scripts.put(
        "agent-crash",
        terminated("Invalid value for option '--profile': 'x' is not one of aws|gcp", 2));
    scripts.put("silent", nothing());
    scripts.put(
        "foreign-facts",
        facts(ProbeFacts.PROTECTED.replace(ProbeFacts.POD_FIELD, "\"pod\":\"web-0\"")));
    scripts.put(
        "agent-cut",
        facts(
            ProbeFacts.PROTECTED.replace(
                "\"errors\":[]", "\"errors\":[\"cut to fit 4096 bytes: long texts shortened\"]")));
    // a status the prober cannot read (a null container status): the exception ends the probe
    PodStatus unreadable = new PodStatus();
    unreadable.setPhase("Running");
    unreadable.setContainerStatuses(java.util.Arrays.asList((ContainerStatus) null));
    scripts.put("unreadable", stuck(unreadable));
    scripts.forEach(
        (ns, script) -> {
          fx.cluster.namespace(ns);
          fx.kubelet.script(ns, script);
        });
    fx.cluster.namespace("job-webhook");
    fx.cluster.answerJobCreate(
        "job-webhook",
        403,
        "Forbidden",
        "admission webhook \"jobs.example.com\" denied the request: no probe jobs here");
    fx.cluster.namespace("job-quota");
    fx.cluster.answerJobCreate(
        "job-quota",
        403,
        "Forbidden",
        "jobs.batch \"imds-probe-x\" is forbidden: exceeded quota: counts, requested:"
            + " count/jobs.batch=1, used: count/jobs.batch=5, limited: count/jobs.batch=5");
    fx.cluster.namespace("job-invalid");
    fx.cluster.answerJobCreate(
        "job-invalid", 422, "Invalid", "Job.batch \"imds-probe-x\" is invalid: x");
    fx.cluster.namespace("api-broken");
    fx.cluster.answerJobCreate("api-broken", 500, "InternalError", "etcdserver: request timed out");
    fx.cluster.namespace("fine");

    SweepResult r = fx.sweep(Map.of("api.retries", "2", "api.retryInterval", "10ms"));

    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("psa", Failure.ADMISSION_DENIED);
    expected.put("pod-webhook", Failure.ADMISSION_DENIED);
    expected.put("job-webhook", Failure.ADMISSION_DENIED);
    expected.put("quota", Failure.QUOTA_EXCEEDED);
    expected.put("job-quota", Failure.QUOTA_EXCEEDED);
    expected.put("pod-invalid", Failure.INVALID);
    expected.put("job-invalid", Failure.INVALID);
    expected.put("unschedulable", Failure.UNSCHEDULABLE);
    expected.put("image-pull", Failure.IMAGE_PULL);
    expected.put("image-invalid", Failure.IMAGE_PULL);
    expected.put("deadline", Failure.DEADLINE);
    expected.put("evicted", Failure.EVICTED);
    expected.put("malformed", Failure.MALFORMED_RESULT);
    expected.put("oversized", Failure.MALFORMED_RESULT);
    expected.put("wrong-version", Failure.MALFORMED_RESULT);
    expected.put("agent-crash", Failure.MALFORMED_RESULT);
    expected.put("api-broken", Failure.API_ERROR);
    expected.put("silent", Failure.TIMEOUT);
    expected.put("foreign-facts", Failure.TAMPERED);
    expected.put("agent-cut", Failure.INCOMPLETE_RESULT);
    expected.put("unreadable", Failure.INTERNAL);
    expected.forEach(
        (ns, reason) -> {
          NamespaceResult n = find(r, ns);
          assertThat(n.judgement().verdict()).as(ns).isEqualTo(Verdict.ERROR);
          assertThat(n.judgement().reason()).as(ns).isEqualTo(reason);
          assertThat(n.facts()).as(ns).isNull();
          assertThat(n.detail()).as(ns).isNotBlank();
        });
    assertThat(expected.values()).containsAll(Failure.REASONS);
    assertThat(find(r, "fine").judgement().verdict()).isEqualTo(Verdict.PROTECTED);
    assertThat(find(r, "quota").detail()).contains("exceeded quota: compute");
    assertThat(find(r, "unschedulable").detail()).contains("Insufficient memory");
    assertThat(find(r, "agent-crash").detail()).contains("exit code 2");
    assertThat(find(r, "wrong-version").detail()).contains("version 2");
    assertThat(find(r, "job-invalid").detail()).contains("HTTP 422");
    assertThat(find(r, "foreign-facts").detail()).contains("the facts name pod 'web-0'");
    assertThat(find(r, "agent-cut").detail()).contains("the agent cut its facts");
    assertThat(find(r, "unreadable").detail()).contains("NullPointerException");
    assertThat(r.exitCode()).isEqualTo(SweepResult.EXIT_UNJUDGED);
    assertThat(fx.cluster.admin.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();
  }

  @Test
  @DisplayName(
      "an empty termination message falls back to the log tail, whose last JSON line is the result")
  void logTail() throws Exception {
    fx.cluster.namespace("logs");
    fx.cluster.namespace("huge-log");
    fx.kubelet.podName("probe-abcde");
    // the agent completed but could not write its result file: the JSON is only in its log
    fx.kubelet.script("logs", terminated("", 0));
    fx.kubelet.script("huge-log", terminated("", 0));
    String big =
        ProbeFacts.PROTECTED.replace("\"errors\":[]", "\"errors\":[\"" + "x".repeat(5000) + "\"]");
    fx.cluster
        .server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/logs/pods/probe-abcde/log?pretty=false&tailLines=20&limitBytes=65536")
        .andReturn(
            200,
            "16:00 WARN result file not writable\n"
                + ProbeFacts.EXPOSED.replace(ProbeFacts.POD_FIELD, "\"pod\":\"probe-abcde\"")
                + "\n")
        .always();
    fx.cluster
        .server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/huge-log/pods/probe-abcde/log?pretty=false&tailLines=20&limitBytes=65536")
        .andReturn(200, big + "\n")
        .always();

    SweepResult r = fx.sweep(Map.of());

    assertThat(find(r, "logs").judgement().verdict()).isEqualTo(Verdict.EXPOSED);
    assertThat(find(r, "huge-log").judgement().reason()).isEqualTo(Failure.MALFORMED_RESULT);
    assertThat(find(r, "huge-log").detail()).contains("over the 4096-byte limit");
  }
}
