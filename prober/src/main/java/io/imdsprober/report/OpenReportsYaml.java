package io.imdsprober.report;

import io.fabric8.kubernetes.api.model.KubernetesListBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.imdsprober.sweep.SweepResult;

/** {@code --output openreports}: the sweep's Reports as one YAML {@code List}, for kubectl. */
public final class OpenReportsYaml {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  private OpenReportsYaml() {}

  /** The Reports; {@code cluster} (key cluster.name) is a property of each result, when set. */
  public static String render(SweepResult sweep, String cluster) {
    return YAML.asYaml(
        new KubernetesListBuilder()
            .withItems(
                new java.util.ArrayList<io.fabric8.kubernetes.api.model.HasMetadata>(
                    OpenReports.of(sweep, cluster)))
            .build());
  }
}
