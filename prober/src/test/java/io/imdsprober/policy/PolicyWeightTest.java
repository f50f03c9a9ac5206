package io.imdsprober.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.policy.EgressPolicies.Outcome;
import io.imdsprober.policy.PolicyWeight.Caps;
import io.imdsprober.policy.PolicyWeight.Heavy;
import io.imdsprober.verdict.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The weight caps: can a tenant with {@code edit} in one namespace exhaust the prober's heap with
 * heavy NetworkPolicies, or make another namespace's prediction go away? Each cap is met exactly
 * (kept) and passed by one (that namespace incomplete, the cap named, its peers not held).
 */
class PolicyWeightTest {
  /** An egress policy with {@code n} {@code /32} ipBlock peers in one rule (n + 1 entries). */
  static NetworkPolicy withPeers(String ns, String name, int n) {
    List<NetworkPolicyPeer> peers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      peers.add(
          new NetworkPolicyPeerBuilder()
              .withNewIpBlock()
              .withCidr("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + "/32")
              .endIpBlock()
              .build());
    }
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .withUid(ns + "-" + name)
        .withResourceVersion("7")
        .withAnnotations(Map.of("note", "x".repeat(1000)))
        .endMetadata()
        .withNewSpec()
        .withNewPodSelector()
        .endPodSelector()
        .withPolicyTypes("Egress")
        .addNewEgress()
        .withTo(peers)
        .endEgress()
        .addNewIngress()
        .addNewFrom()
        .withNewIpBlock()
        .withCidr("192.168.0.0/16")
        .endIpBlock()
        .endFrom()
        .endIngress()
        .endSpec()
        .build();
  }

  @Test
  @DisplayName(
      "peers: the egress rule and each to entry count; policy.maxPeersPerPolicy met is kept, one"
          + " more is a stub without its spec and the reason names the policy and the cap")
  void peersPerPolicy() {
    // one rule + 4999 peers = 5000 entries: exactly the default cap
    NetworkPolicy atCap = withPeers("team", "at-cap", 4999);
    NetworkPolicy over = withPeers("team", "over", 5000);
    assertThat(PolicyWeight.of(atCap).peers()).isEqualTo(5000);

    assertThat(PolicyWeight.trim(atCap, Caps.DEFAULT)).isNotInstanceOf(Heavy.class);
    NetworkPolicy stub = PolicyWeight.trim(over, Caps.DEFAULT);
    assertThat(stub).isInstanceOf(Heavy.class);
    assertThat(stub.getSpec()).as("the peers are not held").isNull();
    assertThat(stub.getMetadata().getName()).isEqualTo("over");

    PolicyTally tally = new PolicyTally(Caps.DEFAULT);
    tally.add(over);
    assertThat(tally.undecided())
        .containsExactly(
            Map.entry(
                "team",
                List.of(
                    "NetworkPolicy team/over has 5001 peers, over policy.maxPeersPerPolicy=5000")));
    assertThat(tally.kept()).isEmpty();
  }

  @Test
  @DisplayName(
      "bytes: the CIDR strings count; policy.maxBytesPerPolicy met is kept, one more is not")
  void bytesPerPolicy() {
    NetworkPolicy p = withPeers("team", "p", 100); // CIDRs 10.0.0.0/32 .. 10.0.0.99/32, + "Egress"
    long bytes = PolicyWeight.of(p).bytes();
    assertThat(bytes).isEqualTo("Egress".length() + 10 * 11 + 90 * 12);
    Caps exact = new Caps(5000, bytes, 20000, 2097152);
    Caps below = new Caps(5000, bytes - 1, 20000, 2097152);

    assertThat(PolicyWeight.trim(p, exact)).isNotInstanceOf(Heavy.class);
    PolicyTally tally = new PolicyTally(below);
    tally.add(p);
    assertThat(tally.undecided().get("team"))
        .containsExactly(
            "NetworkPolicy team/p has "
                + bytes
                + " bytes, over policy.maxBytesPerPolicy="
                + (bytes - 1));
  }

  @Test
  @DisplayName(
      "per namespace: peers in all at policy.maxPeersPerNamespace are kept; one over makes only"
          + " that namespace undecided, none of its policies held, the other namespace as usual")
  void peersPerNamespace() {
    Caps caps = new Caps(5000, 524288, 20000, 2097152);
    PolicyTally tally = new PolicyTally(caps);
    for (int i = 0; i < 4; i++) {
      tally.add(withPeers("full", "p" + i, 4999)); // 4 x 5000 = 20000: at the cap
      tally.add(withPeers("heavy", "p" + i, 4999));
    }
    tally.add(withPeers("heavy", "one-more", 0)); // 1 entry: the rule

    assertThat(tally.undecided())
        .containsOnlyKeys("heavy")
        .containsEntry(
            "heavy",
            List.of(
                "the NetworkPolicies of namespace heavy have 20001 peers in all, over"
                    + " policy.maxPeersPerNamespace=20000"));
    assertThat(tally.kept())
        .hasSize(4)
        .allSatisfy(p -> assertThat(p.getMetadata().getNamespace()).isEqualTo("full"));
  }

  @Test
  @DisplayName(
      "per namespace: bytes in all at policy.maxBytesPerNamespace are kept; one over is not")
  void bytesPerNamespace() {
    long each = PolicyWeight.of(withPeers("x", "p", 10)).bytes();
    Caps caps = new Caps(5000, 524288, 20000, 3 * each);
    PolicyTally tally = new PolicyTally(caps);
    for (int i = 0; i < 3; i++) {
      tally.add(withPeers("at", "p" + i, 10));
      tally.add(withPeers("over", "p" + i, 10));
    }
    tally.add(withPeers("over", "last", 0));

    assertThat(tally.undecided().get("over"))
        .singleElement()
        .asString()
        .contains("over policy.maxBytesPerNamespace=" + 3 * each);
    assertThat(tally.undecided()).doesNotContainKey("at");
    assertThat(tally.kept()).extracting(p -> p.getMetadata().getNamespace()).containsOnly("at");
  }

  @Test
  @DisplayName(
      "many heavy policies: the first five are named, then how many more, then the namespace cap")
  void manyHeavy() {
    Caps caps = new Caps(10, 524288, 100, 2097152);
    PolicyTally tally = new PolicyTally(caps);
    for (int i = 0; i < 7; i++) {
      tally.add(withPeers("heavy", "p" + i, 20));
    }
    assertThat(tally.undecided().get("heavy"))
        .hasSize(7)
        .contains("NetworkPolicy heavy/p0 has 21 peers, over policy.maxPeersPerPolicy=10")
        .contains("2 more NetworkPolicies of namespace heavy over a per-policy cap")
        .last()
        .asString()
        .contains("147 peers in all, over policy.maxPeersPerNamespace=100");
  }

  @Test
  @DisplayName(
      "trimmed: only what the evaluator reads is held (no ingress, annotations); trimming is"
          + " idempotent; an ingress or annotation change reads the same, an egress change does not")
  void trimmed() {
    NetworkPolicy p = withPeers("team", "p", 3);
    NetworkPolicy t = PolicyWeight.trim(p, Caps.DEFAULT);
    assertThat(t.getSpec().getIngress()).isEmpty();
    assertThat(t.getMetadata().getAnnotations()).isEmpty();
    assertThat(t.getMetadata().getUid()).isEqualTo("team-p");
    assertThat(t.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(t.getSpec().getEgress()).isEqualTo(p.getSpec().getEgress());
    assertThat(PolicyWeight.trim(t, Caps.DEFAULT)).isEqualTo(t);

    NetworkPolicy ingressChanged =
        new NetworkPolicyBuilder(p).editSpec().withIngress(List.of()).endSpec().build();
    NetworkPolicy egressChanged = withPeers("team", "p", 4);
    assertThat(PolicyWeight.sameReading(t, ingressChanged, Caps.DEFAULT)).isTrue();
    assertThat(PolicyWeight.sameReading(t, egressChanged, Caps.DEFAULT)).isFalse();
    Caps small = new Caps(2, 524288, 20000, 2097152);
    assertThat(PolicyWeight.sameReading(p, egressChanged, small))
        .as("both over the cap: incomplete either way")
        .isTrue();
    assertThat(PolicyWeight.sameReading(withPeers("team", "p", 1), p, small)).isFalse();
  }

  @Test
  @DisplayName(
      "a namespace over a cap: incomplete with the reason, every target unknown beside what the"
          + " probe saw, no workload listed, never exposed by policy")
  void comparisonOfUndecided() {
    List<EgressPolicies.Destination> to =
        List.of(Destinations.parse("169.254.169.254:80"), Destinations.parse("[fd00:ec2::254]:80"));
    String reason = "NetworkPolicy heavy/p0 has 25001 peers, over policy.maxPeersPerPolicy=5000";
    Comparison c =
        Comparison.of(
            "heavy",
            Verdict.PROTECTED,
            List.<MetadataFact>of(),
            Map.of(),
            List.of(),
            to,
            List.of(),
            List.of(reason),
            io.imdsprober.policy.chain.ClusterTiers.NONE);
    assertThat(c.drift()).containsExactly(Comparison.Drift.INCOMPLETE);
    assertThat(c.undecided()).containsExactly(reason);
    assertThat(c.exposed()).isFalse();
    assertThat(c.mayReach()).isEmpty();
    assertThat(c.workloads()).isEmpty();
    assertThat(c.probeAllowed()).isEqualTo(Outcome.UNKNOWN);
    assertThat(c.targets()).extracting(Comparison.Target::probe).containsOnly(Outcome.UNKNOWN);
  }
}
