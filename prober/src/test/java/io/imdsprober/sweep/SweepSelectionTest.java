package io.imdsprober.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which namespaces a sweep probes, and the orphan Jobs it removes. */
class SweepSelectionTest extends SweepTestCase {

  @Test
  @DisplayName(
      "label selector, include and exclude globs, default excludes and the skip annotation")
  void selection() throws Exception {
    fx.cluster.namespace("kube-system", Map.of("env", "prod"), Map.of());
    fx.cluster.namespace("kube-node-lease", Map.of("env", "prod"), Map.of());
    fx.cluster.namespace("team-a", Map.of("env", "prod"), Map.of());
    fx.cluster.namespace("team-b", Map.of("env", "prod"), Map.of());
    fx.cluster.namespace("team-c", Map.of("env", "dev"), Map.of());
    fx.cluster.namespace("team-d", Map.of("env", "prod"), Map.of(Targets.SKIP, "true"));
    fx.cluster.namespace("shop", Map.of("env", "prod"), Map.of());

    SweepResult all = fx.sweep(Map.of());
    assertThat(SweeperTest.verdicts(all))
        .containsOnlyKeys("team-a", "team-b", "team-c", "team-d", "shop");

    SweepResult prod = fx.sweep(Map.of("namespaces.selector", "env=prod"));
    assertThat(SweeperTest.verdicts(prod)).containsOnlyKeys("team-a", "team-b", "team-d", "shop");

    SweepResult teams =
        fx.sweep(
            Map.of(
                "namespaces.selector", "env=prod",
                "namespaces.include", "team-*",
                "namespaces.exclude", "team-b,kube-*"));
    assertThat(SweeperTest.verdicts(teams))
        .containsExactlyInAnyOrderEntriesOf(Map.of("team-a", "protected", "team-d", "skipped"));

    SweepResult everything = fx.sweep(Map.of("namespaces.exclude", ""));
    assertThat(SweeperTest.verdicts(everything)).containsKeys("kube-system", "kube-node-lease");
    assertThat(fx.kubelet.jobsSeen).doesNotContain("team-d");
  }

  @Test
  @DisplayName(
      "probe Jobs of other sweeps older than orphans.maxAge are deleted at the start of a sweep")
  void orphans() throws Exception {
    fx.cluster.namespace("a");
    Job orphan =
        MockCluster.probeJob("a", "imds-probe-20260101-000000-dead", "20260101-000000-dead");
    Job foreign =
        new JobBuilder(orphan)
            .editMetadata()
            .withName("someone-elses")
            .withLabels(Map.of("app", "batch"))
            .endMetadata()
            .build();
    fx.cluster.admin.batch().v1().jobs().inNamespace("a").resource(orphan).create();
    fx.cluster.admin.batch().v1().jobs().inNamespace("a").resource(foreign).create();

    // a young Job (another sweep still running, say) is kept
    fx.sweep(Map.of());
    assertThat(jobNames())
        .containsExactlyInAnyOrder(orphan.getMetadata().getName(), "someone-elses");

    // two hours later it is an orphan; the Job without the prober's labels is never touched
    try (Sweeper later =
        new Sweeper(
            KubeConnection.connect(
                fx.cluster.kubeconfig(dir),
                null,
                SweepFixture.config(Map.of()),
                MockCluster.PROBER_AGENT),
            SweepFixture.config(Map.of()),
            "registry.invalid/imds-prober:test",
            SweepFixture.FAST,
            Clock.offset(Clock.systemUTC(), Duration.ofHours(2)))) {
      later.sweep();
    }
    assertThat(jobNames()).containsExactly("someone-elses");
  }

  private java.util.List<String> jobNames() {
    return fx.cluster.admin.batch().v1().jobs().inAnyNamespace().list().getItems().stream()
        .map(j -> j.getMetadata().getName())
        .toList();
  }

  @Test
  @DisplayName(
      "a typo'd imds-prober.io/* key or a skip that is not true/false is invalid, naming it;"
          + " the JSON carries the expectations in force")
  void annotationTypos() throws Exception {
    fx.cluster.namespace("typo", Map.of(), Map.of("imds-prober.io/expect-metdata", "reachable"));
    fx.cluster.namespace("yes", Map.of(), Map.of(Targets.SKIP, "yes"));
    fx.cluster.namespace("upper", Map.of(), Map.of(Targets.SKIP, "TRUE"));
    fx.cluster.namespace(
        "reachable", Map.of(), Map.of("imds-prober.io/expect-metadata", "reachable"));
    fx.cluster.namespace("other-tool", Map.of(), Map.of("other.io/expect-metdata", "x"));

    SweepResult r = fx.sweep(Map.of());

    NamespaceResult typo = SweeperTest.find(r, "typo");
    assertThat(typo.judgement().reason()).isEqualTo("invalid");
    assertThat(typo.detail())
        .contains("annotation imds-prober.io/expect-metdata is not one the prober reads");
    assertThat(SweeperTest.find(r, "yes").detail())
        .contains("annotation imds-prober.io/skip: 'yes' is not \"true\" or \"false\"");
    assertThat(SweeperTest.find(r, "upper").judgement().reason()).isEqualTo("invalid");
    assertThat(SweeperTest.find(r, "other-tool").judgement().verdict().word())
        .isEqualTo("protected");
    NamespaceResult reachable = SweeperTest.find(r, "reachable");
    assertThat(reachable.expectations().metadata().word()).isEqualTo("reachable");
    assertThat(io.imdsprober.report.JsonReport.render(r))
        .contains("\"namespace\":\"reachable\",\"verdict\":\"degraded\"")
        .contains("\"expect\":{\"metadata\":\"reachable\",\"dns\":\"ok\",\"egress\":\"ok\"}")
        .contains("\"asExpected\":false");
  }

  @Test
  @DisplayName(
      "namespaced RBAC: a namespace the prober may not create Jobs in is an error naming it; the"
          + " bound ones are judged")
  void notBoundEverywhere() throws Exception {
    fx.cluster.namespace("bound");
    fx.cluster.namespace("unbound");
    fx.cluster.answerJobCreate(
        "unbound",
        403,
        "Forbidden",
        "jobs.batch is forbidden: User \"system:serviceaccount:imds-prober:imds-prober\" cannot"
            + " create resource \"jobs\" in API group \"batch\" in the namespace \"unbound\"");
    SweepResult r = fx.sweep(Map.of());
    assertThat(r.fatal()).isNull();
    assertThat(SweeperTest.find(r, "bound").judgement().verdict().word()).isEqualTo("protected");
    NamespaceResult unbound = SweeperTest.find(r, "unbound");
    assertThat(unbound.judgement().verdict().word()).isEqualTo("error");
    assertThat(unbound.detail())
        .startsWith("forbidden: the prober may not create the probe Job in namespace unbound");
  }
}
