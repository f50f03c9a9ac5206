package io.imdsprober.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imdsprober.facts.Profile;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NeverRequestTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/latest/meta-data/iam/security-credentials/role",
        "/latest/meta-data/iam",
        "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance",
        "/latest/user-data",
        "/computeMetadata/v1/instance/service-accounts/default/token",
        "/computeMetadata/v1/instance/service-accounts/default/identity?audience=x",
        "/computeMetadata/v1/instance/attributes/kube-env",
        "/metadata/identity/oauth2/token?api-version=2018-02-01",
        "/metadata/instance/compute/userData?api-version=2021-01-01",
        "/opc/v2/identity/cert.pem",
        "/opc/v1/identity/key.pem",
        "/latest/meta-data/ram/security-credentials/role",
        "/v2/credentials/abc",
        "/v1/credentials",
        "/LATEST/META-DATA/IAM/"
      })
  @DisplayName("credential, identity and user-data paths of every cloud are forbidden")
  void forbidden(String path) {
    assertThat(NeverRequest.forbids(path)).isTrue();
    assertThatThrownBy(() -> NeverRequest.requireAllowed(path))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("every safe request the agent can make is allowed")
  void safeRequestsAllowed() {
    for (Profile p : Profile.values()) {
      HttpExchange.Request r = SafeRequests.forProfile(p);
      if (r != null) {
        assertThat(NeverRequest.forbids(r.path())).as(p.word()).isFalse();
      }
    }
    assertThat(NeverRequest.forbids(SafeRequests.AWS_TOKEN.path())).isFalse();
    assertThat(List.of("/", "/latest/api/token", "/metadata/versions"))
        .noneMatch(NeverRequest::forbids);
  }
}
