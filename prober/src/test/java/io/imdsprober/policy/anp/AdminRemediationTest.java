package io.imdsprober.policy.anp;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.Remediation;
import io.imdsprober.policy.RemediationTestAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code policy --fix} under the admin tiers: where a baseline allow or a pass leaves the decision
 * to NetworkPolicy, the fix's NetworkPolicy closes it (applied and evaluated again); where an
 * admin-tier rule allows, no NetworkPolicy can close it, and the note names that rule instead of
 * writing a fix that would look like one.
 */
class AdminRemediationTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final Destination IMDS = Destinations.parse("169.254.169.254:80/TCP");

  static List<HasMetadata> objects(String... docs) {
    List<HasMetadata> out = new ArrayList<>();
    out.add(
        YAML.unmarshal(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
                + "spec:\n  selector: {matchLabels: {app: web}}\n"
                + "  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c,"
                + " image: x}]}}\n",
            HasMetadata.class));
    for (String d : docs) {
      out.add(YAML.unmarshal(d, HasMetadata.class));
    }
    return out;
  }

  static Set<String> reachable(List<HasMetadata> objects) {
    return RemediationTestAccess.reachable(objects, List.of(IMDS));
  }

  static final String BANP_ALLOW =
      "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\n"
          + "metadata: {name: default}\nspec: {subject: {namespaces: {}}, egress: [{action:"
          + " Allow, to: [{networks: [0.0.0.0/0]}]}]}\n";
  static final String ANP_PASS =
      "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
          + "metadata: {name: pass}\nspec: {priority: 5, subject: {namespaces: {}}, egress:"
          + " [{action: Pass, to: [{networks: [0.0.0.0/0]}]}]}\n";
  static final String ANP_ALLOW =
      "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
          + "metadata: {name: allow-imds}\nspec: {priority: 5, subject: {namespaces: {}}, egress:"
          + " [{action: Allow, to: [{networks: [169.254.169.254/32]}]}]}\n";

  @Test
  @DisplayName(
      "a BANP allow, or an ANP pass to no NetworkPolicy: the fix's NetworkPolicy closes it")
  void baselineAndPass() {
    for (String shape : List.of(BANP_ALLOW, ANP_PASS)) {
      List<HasMetadata> before = objects(shape);
      assertThat(reachable(before)).containsExactly("shop/web -> 169.254.169.254:80/TCP");
      Remediation fix = Remediation.of(before, List.of(IMDS));
      assertThat(fix.policies()).singleElement();
      List<HasMetadata> after = new ArrayList<>(before);
      after.addAll(fix.policies());
      assertThat(reachable(after)).as(shape).isEmpty();
    }
  }

  @Test
  @DisplayName("an ANP allow: no NetworkPolicy written, the note names the ANP's rule")
  void adminAllow() {
    List<HasMetadata> before = objects(ANP_ALLOW);
    Remediation fix = Remediation.of(before, List.of(IMDS));
    assertThat(fix.policies()).isEmpty();
    assertThat(fix.notes())
        .containsExactly(
            "shop/Deployment/web: AdminNetworkPolicy allow-imds egress[0] allows"
                + " 169.254.169.254:80/TCP; an admin policy decides before any NetworkPolicy:"
                + " change that rule (this fix writes NetworkPolicies only)");
  }
}
