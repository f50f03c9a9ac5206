package io.imdsprober.policy.cilium;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.imdsprober.policy.Destinations;
import io.imdsprober.policy.EgressPolicies.Destination;
import io.imdsprober.policy.chain.Answer;
import io.imdsprober.policy.chain.Answer.Say;
import io.imdsprober.policy.chain.Subject;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Can a tenant's (or a careless author's) policy crash the evaluator or make an exposure look
 * protected? Any shape built from Cilium's own field names and values, read and evaluated: the
 * reader never throws; an object it names invalid never allows or denies (its pods are undecided or
 * untouched); every undecided reason names the object.
 */
class CiliumHostileInputPropertyTest {
  static final List<String> KEYS =
      List.of(
          "endpointSelector",
          "nodeSelector",
          "egress",
          "egressDeny",
          "enableDefaultDeny",
          "matchLabels",
          "matchExpressions",
          "key",
          "operator",
          "values",
          "toCIDR",
          "toCIDRSet",
          "cidr",
          "except",
          "cidrGroupRef",
          "toEntities",
          "toEndpoints",
          "toFQDNs",
          "toRequires",
          "toPorts",
          "ports",
          "port",
          "endPort",
          "protocol",
          "rules",
          "http",
          "icmps",
          "app",
          "io.cilium.k8s.policy.serviceaccount");
  static final List<Object> LEAVES =
      List.of(
          "169.254.169.254/32",
          "0.0.0.0/0",
          "::/0",
          "fd00:ec2::254/128",
          "10.0.0.0/8",
          "bad/99",
          "world",
          "all",
          "host",
          "world-ipv4",
          "80",
          "0",
          "070",
          "http",
          "TCP",
          "UDP",
          "ANY",
          "In",
          "Exists",
          "Among",
          "web",
          "",
          "k8s:app",
          "reserved:host",
          true,
          false);
  static final List<Destination> TO =
      List.of(
          Destinations.parse("169.254.169.254:80/TCP"),
          Destinations.parse("[fd00:ec2::254]:80/UDP"),
          Destinations.parse("93.184.215.14"));

  Arbitrary<Object> value(int depth) {
    Arbitrary<Object> leaf =
        Arbitraries.oneOf(
            Arbitraries.of(LEAVES), Arbitraries.integers().between(-5, 70000).map(i -> (Object) i));
    if (depth == 0) {
      return leaf;
    }
    return Arbitraries.oneOf(
        leaf,
        value(depth - 1).list().ofMaxSize(3).map(l -> (Object) l),
        Arbitraries.maps(Arbitraries.of(KEYS), value(depth - 1)).ofMaxSize(4).map(m -> (Object) m));
  }

  @Provide
  Arbitrary<Map<String, Object>> specs() {
    return Arbitraries.maps(Arbitraries.of(KEYS), value(3)).ofMaxSize(5);
  }

  @Property(tries = 400)
  void neverThrowsAndAnInvalidObjectNeverDecides(@ForAll("specs") Map<String, Object> spec) {
    GenericKubernetesResource g = new GenericKubernetesResource();
    g.setApiVersion("cilium.io/v2");
    g.setKind("CiliumClusterwideNetworkPolicy");
    g.setMetadata(new ObjectMetaBuilder().withName("fuzz").build());
    g.setAdditionalProperty("spec", spec);
    CiliumPolicies policies = (CiliumPolicies) new CiliumReader().of(List.of(g)).orElseThrow();
    Subject pod =
        new Subject(
            "team",
            Map.of("kubernetes.io/metadata.name", "team"),
            Map.of("app", "web"),
            null,
            null);
    for (Destination d : TO) {
      Answer a = policies.answer(pod, d, Answer.NONE);
      if (!policies.invalid().isEmpty()) {
        assertThat(a.say()).as(spec + " -> " + a).isIn(Say.UNDECIDED, Say.NONE);
      }
      assertThat(a.undecided())
          .as(spec + " -> " + a)
          .allMatch(w -> w.contains("CiliumClusterwideNetworkPolicy fuzz"));
    }
  }
}
