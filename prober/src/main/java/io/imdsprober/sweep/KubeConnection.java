package io.imdsprober.sweep;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.imdsprober.config.ConfigException;
import io.imdsprober.config.Keys;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the Kubernetes client the fabric8 way: {@code --kubeconfig FILE} when given, otherwise
 * fabric8's own search ({@code KUBECONFIG}, {@code ~/.kube/config}, then the in-cluster service
 * account); {@code --context} picks a context of the kubeconfig.
 */
public final class KubeConnection {
  private KubeConnection() {}

  /** Whether fabric8's search would find a cluster, rather than fall back to a default URL. */
  static boolean clusterConfigured() {
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      return true;
    }
    if (Files.isReadable(Path.of(System.getProperty("user.home"), ".kube", "config"))) {
      return true;
    }
    return System.getenv("KUBERNETES_SERVICE_HOST") != null
        && Files.isReadable(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"));
  }

  /**
   * A client for the API server the arguments name.
   *
   * @param kubeconfig a kubeconfig file, or null for fabric8's search
   * @param context a context of the kubeconfig, or null for its current one
   * @param settings retry and timeout keys ({@code api.*})
   * @param userAgent sent with every request
   * @throws ConfigException when the kubeconfig or the context cannot be used
   */
  public static KubernetesClient connect(
      Path kubeconfig, String context, io.imdsprober.config.Config settings, String userAgent) {
    Config config;
    if (kubeconfig != null) {
      if (!Files.isReadable(kubeconfig)) {
        throw new ConfigException("--kubeconfig " + kubeconfig + ": no readable file there");
      }
      try {
        config = Config.fromKubeconfig(context, kubeconfig.toFile());
      } catch (RuntimeException e) {
        throw new ConfigException(
            "--kubeconfig " + kubeconfig + ": cannot use it: " + e.getMessage(), e);
      }
    } else {
      if (!clusterConfigured()) {
        throw new ConfigException(
            "no cluster configured: give --kubeconfig, set KUBECONFIG, write ~/.kube/config, or"
                + " run in a pod with a service account");
      }
      config = Config.autoConfigure(context);
    }
    if (context != null
        && (config.getCurrentContext() == null
            || !context.equals(config.getCurrentContext().getName()))) {
      throw new ConfigException(
          "--context "
              + context
              + ": no such context in "
              + (kubeconfig != null
                  ? kubeconfig
                  : String.join(File.pathSeparator, Config.getKubeconfigFilenames())));
    }
    if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
      throw new ConfigException(
          "no API server: give --kubeconfig, set KUBECONFIG, or run in a pod with a service"
              + " account");
    }
    config.setRequestRetryBackoffLimit(settings.get(Keys.API_RETRIES));
    config.setRequestRetryBackoffInterval((int) settings.get(Keys.API_RETRY_INTERVAL).toMillis());
    config.setRequestTimeout((int) settings.get(Keys.API_REQUEST_TIMEOUT).toMillis());
    config.setConnectionTimeout((int) settings.get(Keys.API_REQUEST_TIMEOUT).toMillis());
    config.setUserAgent(userAgent);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
