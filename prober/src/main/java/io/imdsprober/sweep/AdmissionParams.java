package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.imdsprober.config.Config;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, the probe Job's configuration (image, command, security context, resources, node
 * selector, tolerations, priority class, annotations, pull secrets, and the agent's DNS names,
 * egress URLs, timeouts, retries and metadata targets per profile: {@link PolicyParams}) against
 * the admission policy's parameter object (ConfigMap {@code imds-prober-admission} in the prober's
 * namespace, from manifests/components/admission-policy): a configuration the policy would deny is
 * a configuration error, said once, instead of every probe Job failing to be created. Without the
 * parameter object (no policy installed, or no permission to read it) nothing is checked.
 */
public final class AdmissionParams {
  public static final String NAME = "imds-prober-admission";
  private static final Logger logger = LoggerFactory.getLogger(AdmissionParams.class);

  private AdmissionParams() {}

  /**
   * @throws ConfigException naming the key, its value and what the policy allows
   */
  public static void check(KubernetesClient client, Config config, String probeImage) {
    String ns = config.get(Keys.LEADER_ELECTION_NAMESPACE);
    if (ns.isEmpty()) {
      ns = client.getNamespace();
    }
    if (ns == null || ns.isEmpty()) {
      return;
    }
    ConfigMap params;
    try {
      params = client.configMaps().inNamespace(ns).withName(NAME).get();
    } catch (KubernetesClientException e) {
      logger.info(
          "cannot read the admission policy's parameters {}/{} ({}); not checked",
          ns,
          NAME,
          ApiErrors.message(e));
      return;
    }
    if (params == null || params.getData() == null) {
      logger.debug("no admission policy parameters {}/{}; not checked", ns, NAME);
      return;
    }
    PolicyParams.mismatch(PolicyParams.of(config, probeImage), params.getData(), ns + "/" + NAME)
        .ifPresent(
            message -> {
              throw new ConfigException(message);
            });
  }
}
