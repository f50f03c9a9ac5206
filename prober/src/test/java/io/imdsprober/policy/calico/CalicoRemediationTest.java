package io.imdsprober.policy.calico;

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
 * {@code policy --fix} under Calico's kinds: where a Calico rule allows the metadata address, no
 * NetworkPolicy (order 1000 of the default tier) can close it, and the note names that rule; where
 * Calico passes and nothing selects the pod, the fix's NetworkPolicy closes it (applied and
 * evaluated again); where a NetworkPolicy allows it, its rule is changed as without Calico.
 */
class CalicoRemediationTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final Destination IMDS = Destinations.parse("169.254.169.254:80/TCP");

  static List<HasMetadata> objects(String... docs) {
    List<String> split = new ArrayList<>();
    for (String d : docs) {
      split.addAll(List.of(d.split("---\n")));
    }
    docs = split.toArray(String[]::new);
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

  static final String ALLOW_IMDS =
      CalicoTableTest.gnp(
          "allow-imds",
          "{order: 10, selector: all(), egress: [{action: Allow, destination: {nets:"
              + " [169.254.169.254/32]}}]}");
  static final String SECURITY_PASS =
      CalicoTableTest.tier("security", "{order: 100}")
          + "---\n"
          + CalicoTableTest.gnp(
              "security.pass", "{tier: security, selector: all(), egress: [{action: Pass}]}");
  static final String DEFAULT_TIER_PASS =
      CalicoTableTest.gnp("pass-all", "{order: 10, selector: all(), egress: [{action: Pass}]}");

  @Test
  @DisplayName("a Calico Allow: no NetworkPolicy written, the note names the Calico rule")
  void calicoAllow() {
    List<HasMetadata> before = objects(ALLOW_IMDS);
    assertThat(reachable(before)).containsExactly("shop/web -> 169.254.169.254:80/TCP");
    Remediation fix = Remediation.of(before, List.of(IMDS));
    assertThat(fix.policies()).isEmpty();
    assertThat(fix.notes())
        .containsExactly(
            "shop/Deployment/web: GlobalNetworkPolicy allow-imds egress[0] allows"
                + " 169.254.169.254:80/TCP; no NetworkPolicy takes back what that rule allows:"
                + " change that rule (this fix writes NetworkPolicies only)");
  }

  @Test
  @DisplayName(
      "a Pass in a tier before the default tier, no policy selecting the pod: the fix's"
          + " NetworkPolicy closes it, as evaluated again")
  void passThenNothing() {
    List<HasMetadata> before = objects(SECURITY_PASS);
    assertThat(reachable(before)).containsExactly("shop/web -> 169.254.169.254:80/TCP");
    Remediation fix = Remediation.of(before, List.of(IMDS));
    assertThat(fix.policies()).singleElement();
    List<HasMetadata> after = new ArrayList<>(before);
    after.addAll(fix.policies());
    assertThat(reachable(after)).isEmpty();
  }

  @Test
  @DisplayName(
      "a Pass in the default tier before order 1000 skips every NetworkPolicy: no policy"
          + " written (it would close nothing), the note names the Pass rule")
  void passInDefaultTier() {
    List<HasMetadata> before = objects(DEFAULT_TIER_PASS);
    Remediation fix = Remediation.of(before, List.of(IMDS));
    assertThat(fix.policies()).isEmpty();
    assertThat(fix.notes())
        .containsExactly(
            "shop/Deployment/web: GlobalNetworkPolicy pass-all egress[0] lets"
                + " 169.254.169.254:80/TCP by before any NetworkPolicy is read, so a new one would"
                + " not close it: change that rule (this fix writes NetworkPolicies only)");
    List<HasMetadata> withNp = objects(DEFAULT_TIER_PASS, CalicoTableTest.NP_DENY_ALL);
    assertThat(reachable(withNp)).containsExactly("shop/web -> 169.254.169.254:80/TCP");
    assertThat(Remediation.of(withNp, List.of(IMDS)).notes())
        .containsExactly(
            "shop/Deployment/web: GlobalNetworkPolicy pass-all egress[0] lets"
                + " 169.254.169.254:80/TCP by before its NetworkPolicies are read: change that"
                + " rule (this fix writes NetworkPolicies only)");
  }

  @Test
  @DisplayName("a NetworkPolicy allows under Calico: its rule gets the except, evaluated again")
  void networkPolicyRule() {
    List<HasMetadata> before = objects(SECURITY_PASS, CalicoTableTest.NP_ALLOW_ALL);
    assertThat(reachable(before)).containsExactly("shop/web -> 169.254.169.254:80/TCP");
    Remediation fix = Remediation.of(before, List.of(IMDS));
    assertThat(fix.notes()).singleElement().asString().contains("shop/allow-all egress[0]");
    List<HasMetadata> after = new ArrayList<>(before);
    after.removeIf(o -> o.getMetadata().getName().equals("allow-all"));
    after.addAll(fix.policies());
    assertThat(reachable(after)).isEmpty();
  }

  @Test
  @DisplayName(
      "two workloads with the same labels and different service accounts are judged apart (a"
          + " serviceAccountSelector tells them apart)")
  void serviceAccountsApart() {
    List<HasMetadata> set =
        objects(
            CalicoTableTest.gnp(
                "deny-web-sa",
                "{serviceAccountSelector: projectcalico.org/name == 'web', egress: [{action:"
                    + " Deny}]}"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: batch, namespace: shop}\n"
                + "spec:\n  selector: {matchLabels: {app: web}}\n  template: {metadata: {labels:"
                + " {app: web}}, spec: {serviceAccountName: batch, containers: [{name: c, image:"
                + " x}]}}\n");
    set.set(
        0,
        YAML.unmarshal(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
                + "spec:\n  selector: {matchLabels: {app: web}}\n  template: {metadata: {labels:"
                + " {app: web}}, spec: {serviceAccountName: web, containers: [{name: c, image:"
                + " x}]}}\n",
            HasMetadata.class));
    assertThat(reachable(set)).containsExactly("shop/batch -> 169.254.169.254:80/TCP");
  }
}
