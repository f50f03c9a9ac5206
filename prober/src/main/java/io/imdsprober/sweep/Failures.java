package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Event;
import io.imdsprober.verdict.Failure;
import java.util.List;
import java.util.Locale;

/** Reads failures out of the Job controller's events. Pure. */
final class Failures {
  private Failures() {}

  /**
   * The failure a Job's {@code FailedCreate} events show (the controller could not create the pod),
   * or null when they show none.
   */
  static Failure fromJobEvents(List<Event> events, String jobName) {
    Event last = null;
    for (Event e : events) {
      var about = e.getInvolvedObject();
      if (about != null
          && jobName.equals(about.getName())
          && "Job".equals(about.getKind())
          && "FailedCreate".equals(e.getReason())) {
        last = e;
      }
    }
    if (last == null) {
      return null;
    }
    String message = last.getMessage() == null ? "" : last.getMessage();
    String m = message.toLowerCase(Locale.ROOT);
    String reason;
    if (m.contains("exceeded quota")) {
      reason = Failure.QUOTA_EXCEEDED;
    } else if (m.contains(" is invalid")) {
      reason = Failure.INVALID;
    } else if (m.contains("forbidden") || m.contains("denied")) {
      reason = Failure.ADMISSION_DENIED;
    } else {
      reason = Failure.API_ERROR;
    }
    return new Failure(reason, "FailedCreate: " + message);
  }
}
