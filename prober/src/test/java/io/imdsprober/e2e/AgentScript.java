package io.imdsprober.e2e;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.imdsprober.lab.ProbeLab;
import io.imdsprober.sweep.FakeKubelet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's part for one lab namespace: runs the probe container's own command and arguments,
 * taken from the Job's pod spec, with its environment (downward API fields filled in), inside the
 * scenario's pod network namespace; the termination message file it gives the container becomes the
 * pod status, as the kubelet would write it (FallbackToLogsOnError: the log tail when the file is
 * empty and the container failed).
 */
final class AgentScript implements FakeKubelet.Script {
  private static final int MESSAGE_LIMIT = 4096;

  private final ProbeLab lab;
  private final Path workDir;

  AgentScript(ProbeLab lab, Path workDir) {
    this.lab = lab;
    this.workDir = workDir;
  }

  @Override
  public void run(FakeKubelet kubelet, Job job) {
    Pod pod = kubelet.pod(job, FakeKubelet.running());
    Container c = pod.getSpec().getContainers().get(0);
    try {
      Path message = Files.createTempFile(workDir, "termination-log", ".txt");
      Path log = Files.createTempFile(workDir, "container-log", ".txt");
      List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.pod));
      cmd.addAll(c.getCommand());
      cmd.addAll(c.getArgs());
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().clear();
      pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
      pb.environment().put("HOSTNAME", pod.getMetadata().getName());
      for (EnvVar e : c.getEnv()) {
        pb.environment().put(e.getName(), value(e, pod));
      }
      // the kubelet mounts the termination message file at terminationMessagePath
      pb.environment().put("IMDS_PROBE_RESULT_FILE", message.toString());
      Process p = pb.start();
      long deadline = job.getSpec().getActiveDeadlineSeconds();
      if (!p.waitFor(deadline, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return; // the prober's deadline takes it from here
      }
      byte[] bytes = Files.readAllBytes(message);
      String text =
          new String(
              Arrays.copyOf(bytes, Math.min(bytes.length, MESSAGE_LIMIT)), StandardCharsets.UTF_8);
      if (text.isBlank() && p.exitValue() != 0) {
        List<String> lines = Files.readAllLines(log);
        text = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
      }
      kubelet.finish(pod, text, p.exitValue());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run the probe container: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String value(EnvVar e, Pod pod) {
    if (e.getValue() != null) {
      return e.getValue();
    }
    String field = e.getValueFrom().getFieldRef().getFieldPath();
    return switch (field) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "spec.nodeName" -> pod.getSpec().getNodeName();
      default ->
          throw new IllegalArgumentException("no downward API field " + field + " in the lab");
    };
  }
}
