package io.imdsprober.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.Profile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The example policies carve out every metadata address of the catalog, IPv4 and IPv6. */
class ExamplePoliciesTest {
  static List<NetworkPolicy> examples() throws Exception {
    List<NetworkPolicy> out = new ArrayList<>();
    try (var files = Files.list(Manifests.MANIFESTS.resolve("examples"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (HasMetadata o : Manifests.objects(Files.readString(f))) {
          out.add((NetworkPolicy) o);
        }
      }
    }
    return out;
  }

  @Test
  @DisplayName("default deny, DNS to kube-system, web egress except every catalog metadata address")
  void examples80And443ExceptMetadata() throws Exception {
    List<NetworkPolicy> policies = examples();
    assertThat(policies)
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("default-deny", "allow-dns", "allow-web-egress");
    NetworkPolicy deny =
        policies.stream()
            .filter(p -> p.getMetadata().getName().equals("default-deny"))
            .findFirst()
            .orElseThrow();
    assertThat(deny.getSpec().getPolicyTypes()).contains("Egress");
    assertThat(deny.getSpec().getEgress()).isEmpty();

    NetworkPolicy web =
        policies.stream()
            .filter(p -> p.getMetadata().getName().equals("allow-web-egress"))
            .findFirst()
            .orElseThrow();
    Set<String> excepted = new TreeSet<>();
    Set<String> cidrs = new TreeSet<>();
    for (NetworkPolicyPeer peer : web.getSpec().getEgress().get(0).getTo()) {
      IPBlock b = peer.getIpBlock();
      cidrs.add(b.getCidr());
      for (String e : b.getExcept()) {
        excepted.add(e.substring(0, e.indexOf('/')));
      }
    }
    assertThat(cidrs).containsExactlyInAnyOrder("0.0.0.0/0", "::/0");
    for (Profile p : Profile.values()) {
      for (MetadataTarget t : p.defaultTargets()) {
        assertThat(excepted).as(p + " " + t.hostPort()).contains(t.host());
      }
    }
    assertThat(web.getSpec().getEgress().get(0).getPorts())
        .extracting(port -> port.getPort().getIntVal())
        .containsExactlyInAnyOrder(80, 443);
  }
}
