package io.imdsprober.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.policy.Coverage.Reach;
import io.imdsprober.policy.Coverage.Row;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.EgressPolicies.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code policy --fix} round trip: apply every fix to the manifest set and evaluate again: no
 * workload may reach a metadata destination, and every other destination a workload could reach it
 * still can.
 */
class RemediationTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  static String deployment(String ns, String name) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %s, namespace: %s}
        spec:
          selector: {matchLabels: {app: %s}}
          template: {metadata: {labels: {app: %s}}, spec: {containers: [{name: c, image: x}]}}
        """
        .formatted(name, ns, name, name);
  }

  static String policy(String ns, String name, String spec) {
    return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: "
        + name
        + ", namespace: "
        + ns
        + "}\nspec:\n"
        + spec.indent(2);
  }

  static List<HasMetadata> set() {
    List<String> docs =
        List.of(
            deployment("open", "web"),
            deployment("hole", "web"),
            policy("hole", "deny", "podSelector: {}\npolicyTypes: [Egress]\n"),
            policy(
                "hole",
                "all-but-probe",
                "podSelector:\n  matchExpressions: [{key: app.kubernetes.io/name, operator: NotIn, values: [imds-probe]}]\npolicyTypes: [Egress]\negress: [{}]\n"),
            deployment("wide", "api"),
            policy(
                "wide",
                "http-out",
                "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: '::/0'}}]\n    ports: [{port: 80}]\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n"),
            deployment("exact", "agent"),
            policy(
                "exact",
                "agent",
                "podSelector: {matchLabels: {app: agent}}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: 169.254.169.254/32}}, {ipBlock: {cidr: 100.100.100.200/32}}]\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]\n    ports: [{port: 443}]\n"));
    List<HasMetadata> out = new ArrayList<>();
    for (String d : docs) {
      out.add(YAML.unmarshal(d, HasMetadata.class));
    }
    return out;
  }

  static final List<Destination> OTHERS =
      List.of(
          EgressPoliciesTest.dest("93.184.215.14", 443, "TCP"),
          EgressPoliciesTest.dest("93.184.215.14", 80, "TCP"),
          EgressPoliciesTest.dest("10.1.2.3", 5432, "TCP"),
          EgressPoliciesTest.dest("2001:db8::1", 80, "TCP"),
          EgressPoliciesTest.dest("169.254.169.254", 443, "TCP"),
          // the platform's DNS on metadata addresses (GKE, AKS): a fix must keep it
          EgressPoliciesTest.dest("169.254.169.254", 53, "UDP"),
          EgressPoliciesTest.dest("169.254.169.254", 53, "TCP"),
          EgressPoliciesTest.dest("168.63.129.16", 53, "UDP"));

  static Set<String> reachable(List<? extends HasMetadata> objects, List<Destination> to) {
    Set<String> out = new HashSet<>();
    for (Row r : Coverage.of(objects, to).workloads()) {
      for (Reach x : r.reach()) {
        if (x.decision().outcome() != Outcome.DENIED) {
          out.add(r.workload().namespace() + "/" + r.workload().name() + " -> " + x.to().word());
        }
      }
    }
    return out;
  }

  @Test
  @DisplayName(
      "every fix applied: no metadata destination reachable, every other reachable one still is")
  void roundTrip() {
    List<HasMetadata> before = set();
    List<Destination> metadata = Destinations.catalog();
    assertThat(reachable(before, metadata))
        .as("the set is open to start with, in every namespace")
        .anyMatch(s -> s.startsWith("open/"))
        .anyMatch(s -> s.startsWith("hole/"))
        .anyMatch(s -> s.startsWith("wide/"))
        .anyMatch(s -> s.startsWith("exact/"));
    Set<String> othersBefore = reachable(before, OTHERS);

    Remediation fix = Remediation.of(before, metadata);
    Map<String, HasMetadata> after = new LinkedHashMap<>();
    for (HasMetadata o : before) {
      after.put(
          o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(), o);
    }
    for (NetworkPolicy p : fix.policies()) {
      // applying: the YAML the command prints, read back
      NetworkPolicy applied = YAML.unmarshal(YAML.asYaml(p), NetworkPolicy.class);
      after.put(
          "NetworkPolicy/" + p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
          applied);
    }
    List<HasMetadata> fixed = new ArrayList<>(after.values());

    assertThat(
            new EgressPolicies(
                    fixed.stream()
                        .filter(o -> o instanceof NetworkPolicy)
                        .map(o -> (NetworkPolicy) o)
                        .toList())
                .invalid())
        .as("every fixed policy is valid")
        .isEmpty();
    assertThat(reachable(fixed, metadata)).as("notes: %s", fix.notes()).isEmpty();
    Set<String> othersAfter = reachable(fixed, OTHERS);
    Set<String> lost = new HashSet<>(othersBefore);
    lost.removeAll(othersAfter);
    assertThat(lost)
        .as("only metadata addresses are closed, and never their port 53 (the platform's DNS)")
        .allMatch(s -> s.contains("169.254.169.254") && !s.contains(":53/"));
    assertThat(othersAfter)
        .as("DNS on the metadata addresses, where it was open before")
        .contains("open/web -> 169.254.169.254:53/UDP", "open/web -> 168.63.129.16:53/UDP")
        .contains("hole/web -> 169.254.169.254:53/UDP", "exact/agent -> 169.254.169.254:53/UDP");
    for (NetworkPolicy p : fix.policies()) {
      // the peers the fix writes (a new policy's, an open 'to' replaced); an except added to a
      // block of the user's leaves that rule's peers as they were
      boolean written =
          "imds-prober-fix".equals(p.getMetadata().getLabels().get("app.kubernetes.io/managed-by"))
              || p.getMetadata().getName().equals("all-but-probe");
      for (var rule : p.getSpec().getEgress()) {
        if (written
            && rule.getTo() != null
            && rule.getTo().stream()
                .anyMatch(t -> t.getIpBlock() != null && t.getIpBlock().getCidr().equals("::/0"))
            && rule.getTo().stream()
                .anyMatch(
                    t -> t.getIpBlock() != null && t.getIpBlock().getCidr().equals("0.0.0.0/0"))) {
          assertThat(rule.getTo())
              .as("%s: in-cluster egress written out beside the ipBlock (Cilium)", p.getMetadata())
              .anyMatch(t -> t.getNamespaceSelector() != null && t.getIpBlock() == null);
        }
      }
    }
    assertThat(fix.notes())
        .anyMatch(n -> n.contains("open/Deployment/web: no egress policy selects it"))
        .anyMatch(n -> n.contains("hole/all-but-probe egress[0]") && n.contains("open 'to'"))
        .anyMatch(n -> n.contains("adds except 169.254.169.254/32 to 0.0.0.0/0"))
        .anyMatch(n -> n.contains("adds except fd00:ec2::254/128 to ::/0"))
        .anyMatch(n -> n.contains("exact/agent egress[0]") && n.contains("removed"));
  }

  @Test
  @DisplayName(
      "two label sets of one owner with no egress policy get a policy each (the second does not"
          + " replace the first); a hostNetwork pod gets a note, not a policy that cannot close it")
  void labelSetsAndHostNetwork() {
    List<HasMetadata> before = new ArrayList<>();
    for (String labels : List.of("{app: pg}", "{app: pg, role: master}")) {
      before.add(
          YAML.unmarshal(
              "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pg-"
                  + before.size()
                  + "\n  namespace: db\n  labels: "
                  + labels
                  + "\n  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: pg,"
                  + " uid: u, controller: true}]\nspec: {containers: [{name: c, image: i}]}\n",
              io.fabric8.kubernetes.api.model.Pod.class));
    }
    before.add(
        YAML.unmarshal(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: db}\n"
                + "spec: {hostNetwork: true, containers: [{name: c, image: i}]}\n",
            io.fabric8.kubernetes.api.model.Pod.class));
    List<Destination> metadata = Destinations.catalog();

    Remediation fix = Remediation.of(before, metadata);

    assertThat(fix.policies())
        .extracting(p -> p.getSpec().getPodSelector().getMatchLabels())
        .containsExactlyInAnyOrder(Map.of("app", "pg"), Map.of("app", "pg", "role", "master"));
    assertThat(fix.policies()).extracting(p -> p.getMetadata().getName()).doesNotHaveDuplicates();
    List<HasMetadata> fixed = new ArrayList<>(before);
    fixed.addAll(fix.policies());
    assertThat(reachable(fixed, metadata))
        .as("only the hostNetwork pod, which no NetworkPolicy closes")
        .allMatch(r -> r.startsWith("db/agent -> "));
    assertThat(fix.notes()).anyMatch(n -> n.startsWith("db/Pod/agent: hostNetwork"));
  }
}
