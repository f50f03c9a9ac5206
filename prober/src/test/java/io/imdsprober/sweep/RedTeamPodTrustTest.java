package io.imdsprober.sweep;

import static io.imdsprober.sweep.PodTrustTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Red team (issue 20): {@link PodTrust} compares the probe pod's image, command, args, agent
 * variables, volume mounts, containers and host network with what the prober built, and nothing
 * else of the spec. The Job controller builds the pod from the Job's template as the template is
 * when the pod is created, and a tenant with {@code edit} may change a suspended, not yet started
 * Job's template scheduling directives (node selector, affinity, tolerations; Kubernetes 1.27+). A
 * namespaced mutating policy (a policy engine that lets tenants write policies for their own
 * namespace) can change the rest at the pod's create, which the probe-pods policy allows (it judges
 * only who creates the pod). Each row is a pod the prober did not build, on which the agent would
 * run elsewhere or resolve otherwise (found by the red-team review; {@link SpecDrift} closes them).
 * The pod as a real cluster makes it (defaults, admission's tolerations, a rewritten quantity) is
 * still trusted.
 */
class RedTeamPodTrustTest {
  static Stream<Arguments> changes() {
    return Stream.of(
        Arguments.of(
            "node selector to another pool (suspended Job's template: any tenant with edit)",
            (UnaryOperator<PodBuilder>)
                b -> b.editSpec().addToNodeSelector("karpenter.sh/nodepool", "hardened").endSpec()),
        Arguments.of(
            "required node affinity to another pool (suspended Job's template)",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .withNewAffinity()
                        .withNewNodeAffinity()
                        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                        .addNewNodeSelectorTerm()
                        .addNewMatchExpression()
                        .withKey("karpenter.sh/nodepool")
                        .withOperator("In")
                        .withValues("hardened")
                        .endMatchExpression()
                        .endNodeSelectorTerm()
                        .endRequiredDuringSchedulingIgnoredDuringExecution()
                        .endNodeAffinity()
                        .endAffinity()
                        .endSpec()),
        Arguments.of(
            "a toleration of every taint (suspended Job's template)",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .addNewToleration()
                        .withOperator("Exists")
                        .endToleration()
                        .endSpec()),
        Arguments.of(
            "hostAliases naming metadata.google.internal (a mutating policy at create)",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .addNewHostAlias()
                        .withIp("10.0.0.77")
                        .withHostnames("metadata.google.internal", "kubernetes.default.svc")
                        .endHostAlias()
                        .endSpec()),
        Arguments.of(
            "dnsPolicy None with the tenant's own name server (a mutating policy at create)",
            (UnaryOperator<PodBuilder>)
                b ->
                    b.editSpec()
                        .withDnsPolicy("None")
                        .withNewDnsConfig()
                        .withNameservers("10.0.0.77")
                        .endDnsConfig()
                        .endSpec()),
        Arguments.of(
            "shareProcessNamespace (a mutating policy at create; a sidecar could then reach the"
                + " agent's /proc)",
            (UnaryOperator<PodBuilder>)
                b -> b.editSpec().withShareProcessNamespace(true).endSpec()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  @DisplayName(
      "a probe pod whose spec differs from the built template in where it runs or how it resolves"
          + " is not the prober's pod")
  void notAsBuilt(String what, UnaryOperator<PodBuilder> change) {
    assertThat(problem(change)).as(what).isNotNull();
  }

  @org.junit.jupiter.api.Test
  @DisplayName(
      "what the cluster adds to every pod (scheduler, API server defaults, DefaultTolerationSeconds,"
          + " a LimitRange's extra resource, a quantity rewritten) is not a change")
  void clusterAdditions() {
    assertThat(
            problem(
                b ->
                    b.editSpec()
                        .withDnsPolicy("ClusterFirst")
                        .withSchedulerName("default-scheduler")
                        .withServiceAccountName("default")
                        .withServiceAccount("default")
                        .withPreemptionPolicy("PreemptLowerPriority")
                        .withPriority(0)
                        .addNewToleration()
                        .withKey("node.kubernetes.io/not-ready")
                        .withOperator("Exists")
                        .withEffect("NoExecute")
                        .withTolerationSeconds(300L)
                        .endToleration()
                        .addNewToleration()
                        .withKey("node.kubernetes.io/unreachable")
                        .withOperator("Exists")
                        .withEffect("NoExecute")
                        .withTolerationSeconds(300L)
                        .endToleration()
                        .editFirstContainer()
                        .editResources()
                        .addToLimits("cpu", new io.fabric8.kubernetes.api.model.Quantity("0.5"))
                        .addToLimits(
                            "ephemeral-storage",
                            new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                        .endResources()
                        .endContainer()
                        .endSpec()))
        .isNull();
    assertThat(problem(b -> b.editSpec().withDnsPolicy("Default").endSpec()))
        .as("a default that is not the API server's is a change")
        .contains("spec.dnsPolicy");
    assertThat(
            problem(
                b ->
                    b.editSpec()
                        .editFirstContainer()
                        .editResources()
                        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("4Gi"))
                        .endResources()
                        .endContainer()
                        .endSpec()))
        .contains("limits memory=4Gi");
  }
}
