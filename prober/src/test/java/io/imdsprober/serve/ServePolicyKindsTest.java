package io.imdsprober.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.sweep.FakeKubelet;
import io.imdsprober.sweep.MockCluster;
import io.imdsprober.sweep.ProbeFacts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve watches the cluster-wide policy kinds it evaluates, as it watches NetworkPolicies: the
 * on-call engineer's question is whether a platform admin's AdminNetworkPolicy change (one object,
 * every namespace) is seen before the next hourly sweep, and by the namespaces it acts on only.
 */
class ServePolicyKindsTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final ResourceDefinitionContext ANP =
      new ResourceDefinitionContext.Builder()
          .withGroup("policy.networking.k8s.io")
          .withVersion("v1alpha1")
          .withKind("AdminNetworkPolicy")
          .withPlural("adminnetworkpolicies")
          .withNamespaced(false)
          .build();

  @TempDir Path dir;
  MockCluster cluster;
  FakeKubelet kubelet;
  TestServe serve;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    kubelet = new FakeKubelet(cluster.admin, FakeKubelet.facts(ProbeFacts.PROTECTED));
    cluster.node("node-1", "aws:///eu-west-1a/i-0123456789abcdef0", Map.of());
    cluster.serves(
        "policy.networking.k8s.io/v1alpha1",
        Map.of("adminnetworkpolicies", false, "baselineadminnetworkpolicies", false));
  }

  @AfterEach
  void tearDown() {
    if (serve != null) {
      serve.close();
    }
    kubelet.close();
    cluster.close();
  }

  static String status(String ns, String verdict) {
    return "imds_prober_namespace_status{namespace=\"" + ns + "\",status=\"" + verdict + "\"} 1.0";
  }

  GenericKubernetesResource anp(String name, String tier, String action) {
    return YAML.unmarshal(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
            + "metadata: {name: "
            + name
            + "}\nspec:\n  priority: 10\n  subject: {namespaces: {matchLabels: {tier: "
            + tier
            + "}}}\n  egress: [{action: "
            + action
            + ", to: [{networks: [0.0.0.0/0]}]}]\n",
        GenericKubernetesResource.class);
  }

  long probes(String ns) {
    return kubelet.jobsSeen.stream().filter(ns::equals).count();
  }

  @Test
  @DisplayName(
      "an AdminNetworkPolicy created, changed and deleted between sweeps re-probes the namespaces"
          + " its subject selects (before and after), and no other")
  void adminPolicyChangeReprobesItsSubject() throws Exception {
    cluster.namespace("shop", Map.of("tier", "prod"), Map.of());
    cluster.namespace("lab", Map.of("tier", "dev"), Map.of());
    Map<String, String> keys =
        new HashMap<>(
            Map.of(
                "serve.changeDebounce", "200ms", "serve.interval", "1h", "serve.pacing", "false"));
    serve = TestServe.of(cluster, dir, TestServe.config(keys), Clock.systemUTC(), "kinds", "test");
    ProberService s = serve.service();
    s.start();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                s.metrics().scrape().contains(status("shop", "protected"))
                    && s.metrics().scrape().contains(status("lab", "protected")));
    assertThat(probes("shop")).isEqualTo(1);

    // the platform team opens egress for prod: the network now answers shop's probe
    kubelet.script("shop", FakeKubelet.facts(ProbeFacts.EXPOSED));
    cluster
        .admin
        .genericKubernetesResources(ANP)
        .resource(anp("open-prod", "prod", "Allow"))
        .create();
    await("shop re-probed after an ANP selecting it was created")
        .atMost(Duration.ofSeconds(10))
        .until(() -> s.metrics().scrape().contains(status("shop", "exposed")));
    assertThat(probes("lab")).as("lab is not in the ANP's subject: not re-probed").isEqualTo(1);

    // moved from prod to dev: both the namespaces it left and those it now selects
    long shopBefore = probes("shop");
    cluster
        .admin
        .genericKubernetesResources(ANP)
        .withName("open-prod")
        .edit(
            r -> {
              r.setAdditionalProperty("spec", anp("open-prod", "dev", "Allow").get("spec"));
              return r;
            });
    await("both the old and the new subject re-probed")
        .atMost(Duration.ofSeconds(10))
        .until(() -> probes("shop") > shopBefore && probes("lab") > 1);

    long labBefore = probes("lab");
    long shopNow = probes("shop");
    cluster.admin.genericKubernetesResources(ANP).withName("open-prod").delete();
    await("its last subject re-probed when it is deleted")
        .atMost(Duration.ofSeconds(10))
        .until(() -> probes("lab") > labBefore);
    assertThat(probes("shop")).as("shop is selected neither before nor after").isEqualTo(shopNow);
  }
}
