package io.imdsprober.policy.cilium;

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
 * {@code policy --fix} under Cilium's kinds, each fix applied and evaluated again through the
 * chain: where no policy selects the workload, or a NetworkPolicy rule allows it, the fix's
 * NetworkPolicy closes it (under Cilium a NetworkPolicy that selects a pod switches it to default
 * deny, and an egressDeny stays above); where a Cilium rule allows it, no NetworkPolicy can take
 * that allow back, and the note names the rule instead of writing a fix that would look like one.
 */
class CiliumRemediationTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final Destination IMDS = Destinations.parse("169.254.169.254:80/TCP");
  static final Destination WEB = Destinations.parse("93.184.215.14:443/TCP");

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

  static final String DENY_OTHER =
      "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: d}\n"
          + "spec: {endpointSelector: {}, enableDefaultDeny: {egress: false}, egressDeny:"
          + " [{toCIDR: [192.0.2.0/24]}]}\n";
  static final String CNP_DEFAULT_DENY =
      "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: dns, namespace:"
          + " shop}\nspec: {endpointSelector: {}, egress: [{toEndpoints: [{matchLabels:"
          + " {k8s-app: kube-dns}}]}]}\n";
  static final String NP_ALLOW_ALL =
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace:"
          + " shop}\nspec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock:"
          + " {cidr: 0.0.0.0/0}}]}]}\n";
  static final String CNP_WORLD =
      "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: world, namespace:"
          + " shop}\nspec: {endpointSelector: {}, egress: [{toEntities: [world]}]}\n";

  @Test
  @DisplayName(
      "a workload no policy puts in default deny (a default-allow CCNP only): the fix's"
          + " NetworkPolicy closes it and keeps other egress")
  void defaultAllow() {
    List<HasMetadata> before = objects(DENY_OTHER);
    assertThat(reachable(before)).containsExactly("shop/web -> 169.254.169.254:80/TCP");
    Remediation fix = Remediation.of(before, List.of(IMDS));
    assertThat(fix.policies()).singleElement();
    List<HasMetadata> after = new ArrayList<>(before);
    after.addAll(fix.policies());
    assertThat(reachable(after)).isEmpty();
    assertThat(RemediationTestAccess.reachable(after, List.of(WEB)))
        .containsExactly("shop/web -> 93.184.215.14:443/TCP");
  }

  @Test
  @DisplayName(
      "a NetworkPolicy rule allows it while a CNP holds the pod in default deny: the rule gets the"
          + " except, and nothing is reachable after")
  void networkPolicyRule() {
    List<HasMetadata> before = objects(CNP_DEFAULT_DENY, NP_ALLOW_ALL);
    assertThat(reachable(before)).containsExactly("shop/web -> 169.254.169.254:80/TCP");
    Remediation fix = Remediation.of(before, List.of(IMDS));
    assertThat(fix.notes())
        .singleElement()
        .asString()
        .contains("shop/open egress[0] allows 169.254.169.254:80/TCP; adds except");
    List<HasMetadata> after = new ArrayList<>(before);
    after.removeIf(o -> "open".equals(o.getMetadata().getName()));
    after.addAll(fix.policies());
    assertThat(reachable(after)).isEmpty();
  }

  @Test
  @DisplayName("a CNP allow: no NetworkPolicy written, the note names the CNP's rule")
  void ciliumAllow() {
    List<HasMetadata> before = objects(CNP_WORLD);
    Remediation fix = Remediation.of(before, List.of(IMDS));
    assertThat(fix.policies()).isEmpty();
    assertThat(fix.notes())
        .containsExactly(
            "shop/Deployment/web: CiliumNetworkPolicy shop/world egress[0] allows"
                + " 169.254.169.254:80/TCP; no NetworkPolicy takes back what that rule allows:"
                + " change that rule (this fix writes NetworkPolicies only)");
  }
}
