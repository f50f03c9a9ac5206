package io.imdsprober.facts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetadataTargetTest {
  @Test
  @DisplayName("IPv4 and bracketed IPv6 targets keep their form in the facts")
  void parses() {
    MetadataTarget v4 = MetadataTarget.parse("169.254.169.254:80", Profile.AWS);
    assertThat(v4.hostPort()).isEqualTo("169.254.169.254:80");
    assertThat(v4.mode()).isEqualTo(RequestMode.HTTP);
    MetadataTarget v6 = MetadataTarget.parse("[fd00:ec2::254]:80", Profile.AWS);
    assertThat(v6.host()).isEqualTo("fd00:ec2::254");
    assertThat(v6.ipv6()).isTrue();
    assertThat(v6.hostPort()).isEqualTo("[fd00:ec2::254]:80");
  }

  @Test
  @DisplayName(
      "the profile decides the mode: WireServer stays TCP only, generic is TCP only, tcp= forces it")
  void modes() {
    assertThat(MetadataTarget.parse("168.63.129.16:32526", Profile.AZURE).mode())
        .isEqualTo(RequestMode.TCP);
    assertThat(MetadataTarget.parse("168.63.129.16:80", Profile.AZURE).mode())
        .isEqualTo(RequestMode.TCP);
    assertThat(MetadataTarget.parse("169.254.169.254:80", Profile.AZURE).mode())
        .isEqualTo(RequestMode.HTTP);
    assertThat(MetadataTarget.parse("169.254.169.254:80", Profile.GENERIC).mode())
        .isEqualTo(RequestMode.TCP);
    assertThat(MetadataTarget.parse("tcp=169.254.169.254:80", Profile.AWS).mode())
        .isEqualTo(RequestMode.TCP);
  }

  @Test
  @DisplayName("every profile's defaults are the catalog's")
  void catalog() {
    assertThat(Profile.AWS.defaultTargets())
        .extracting(MetadataTarget::hostPort)
        .containsExactly("169.254.169.254:80", "[fd00:ec2::254]:80");
    assertThat(Profile.AZURE.defaultTargets())
        .extracting(MetadataTarget::hostPort)
        .containsExactly("169.254.169.254:80", "168.63.129.16:80", "168.63.129.16:32526");
    assertThat(Profile.ALIBABA.defaultTargets())
        .extracting(MetadataTarget::hostPort)
        .containsExactly("100.100.100.200:80");
    assertThat(Profile.GENERIC.defaultTargets())
        .extracting(MetadataTarget::mode)
        .containsOnly(RequestMode.TCP);
    assertThat(Profile.parse("oci")).isEqualTo(Profile.OCI);
    assertThatThrownBy(() -> Profile.parse("ibm"))
        .hasMessageContaining("'ibm'")
        .hasMessageContaining("aws|gcp");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "169.254.169.254",
        "metadata.google.internal:80",
        "fd00:ec2::254:80",
        "1.2.3:80",
        "169.254.169.254:0",
        "169.254.169.254:70000",
        "169.254.169.254:http",
        "[fd00:ec2::254:80",
        "256.1.1.1:80"
      })
  @DisplayName("rejects names, unbracketed IPv6, bad ports, naming the text")
  void rejects(String text) {
    assertThatThrownBy(() -> MetadataTarget.parse(text, Profile.GENERIC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text);
  }
}
