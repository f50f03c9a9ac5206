package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of every sweep: probe Jobs of other sweeps older than {@code orphans.maxAge} (left
 * by a crash, a lost Lease or a SIGTERM that came mid-sweep) are deleted.
 */
final class Orphans {
  private static final Logger logger = LoggerFactory.getLogger(Orphans.class);

  private Orphans() {}

  static void delete(ProbeApi api, String sweepId, Instant now, Duration maxAge) {
    for (Job job : api.probeJobs()) {
      var meta = job.getMetadata();
      Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
      if (sweepId.equals(labels.get(ProbeJobs.SWEEP_LABEL))
          || meta.getCreationTimestamp() == null) {
        continue;
      }
      Instant created;
      try {
        created = Instant.parse(meta.getCreationTimestamp());
      } catch (DateTimeParseException e) {
        logger.warn(
            "probe Job {}/{} has an unreadable creationTimestamp {}; left alone",
            meta.getNamespace(),
            meta.getName(),
            meta.getCreationTimestamp());
        continue;
      }
      if (Duration.between(created, now).compareTo(maxAge) > 0) {
        logger.info(
            "deleting orphan probe Job {}/{} (created {})",
            meta.getNamespace(),
            meta.getName(),
            meta.getCreationTimestamp());
        api.deleteJob(meta.getNamespace(), meta.getName());
      }
    }
  }
}
