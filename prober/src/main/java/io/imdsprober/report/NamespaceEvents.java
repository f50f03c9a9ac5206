package io.imdsprober.report;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.imdsprober.sweep.NamespaceResult;
import io.imdsprober.sweep.SweepResult;
import io.imdsprober.util.Texts;
import io.imdsprober.verdict.Failure;
import io.imdsprober.verdict.Verdict;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a namespace when it turns exposed ({@code MetadataEndpointExposed}, Warning)
 * and when it recovers ({@code MetadataEndpointBlocked}, Normal: it is judged again and no longer
 * exposed), {@code ProbeFailed} (Warning, with the detail) when it turns {@code error} or its error
 * reason changes, and {@code ProbeTampered} (Warning) each time a probe there was tampered with.
 * {@code kubectl describe namespace} and {@code kubectl get events -n NS} show them. Remembers each
 * namespace's last verdict; the first sweep of a process counts as a change for an exposed
 * namespace. A message is one line of at most {@link Bounds#EVENT_MESSAGE} bytes, the untrusted
 * detail in it cleaned and cut first ({@link Bounds#EVENT_DETAIL}) so that the sweep id stays.
 */
public final class NamespaceEvents {
  public static final String EXPOSED = "MetadataEndpointExposed";
  public static final String RECOVERED = "MetadataEndpointBlocked";

  /** A probe whose result did not come from the sweep's own, unchanged pod. */
  public static final String TAMPERED = "ProbeTampered";

  /** A namespace that turned {@code error} (or whose error reason changed), with the detail. */
  public static final String FAILED = "ProbeFailed";

  private static final Logger logger = LoggerFactory.getLogger(NamespaceEvents.class);

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final Map<String, Verdict> last = new HashMap<>();
  private final Map<String, String> lastError = new HashMap<>();

  public NamespaceEvents(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  /**
   * A Warning {@code ProbeTampered} on each namespace whose probe was tampered with, every time it
   * is: someone in that namespace is working against the prober. Both modes raise it.
   */
  public void recordTampering(SweepResult result) {
    for (NamespaceResult r : result.namespaces()) {
      tampering(result.id(), r);
    }
  }

  private void tampering(String sweepId, NamespaceResult r) {
    if (r.judgement().verdict() == Verdict.ERROR
        && Failure.TAMPERED.equals(r.judgement().reason())) {
      emit(
          r.namespace(),
          "Warning",
          TAMPERED,
          "The metadata probe was tampered with, so this namespace is not judged: "
              + Texts.clean(r.detail(), Bounds.EVENT_DETAIL)
              + " (sweep "
              + sweepId
              + ")");
    }
  }

  /** Records the events a finished sweep calls for. */
  public synchronized void record(SweepResult result) {
    for (NamespaceResult r : result.namespaces()) {
      publish(result.id(), r);
    }
    Set<String> seen = new HashSet<>();
    result.namespaces().forEach(r -> seen.add(r.namespace()));
    retain(seen);
  }

  /** Forgets the namespaces a sweep no longer covers (a later exposure there is news again). */
  public synchronized void retain(Set<String> namespaces) {
    last.keySet().retainAll(namespaces);
    lastError.keySet().retainAll(namespaces);
  }

  /** Records the events one namespace's new result calls for, as soon as it is known. */
  public synchronized void publish(String sweepId, NamespaceResult r) {
    tampering(sweepId, r);
    String ns = r.namespace();
    Verdict now = r.judgement().verdict();
    Verdict before = last.get(ns);
    if (now == Verdict.ERROR) {
      // no facts: neither an exposure nor a recovery; said once per reason (tampering always)
      String reason = r.judgement().reason();
      if (!reason.equals(lastError.put(ns, reason)) && !Failure.TAMPERED.equals(reason)) {
        emit(
            ns,
            "Warning",
            FAILED,
            "The metadata probe gave no verdict ("
                + Texts.clean(reason, Bounds.NAME)
                + "): "
                + (r.detail().isEmpty()
                    ? "no detail"
                    : Texts.clean(r.detail(), Bounds.EVENT_DETAIL))
                + " (sweep "
                + sweepId
                + ")");
      }
      return;
    }
    lastError.remove(ns);
    last.put(ns, now);
    boolean exposedNow = now == Verdict.EXPOSED && !r.judgement().asExpected();
    boolean exposedBefore = before == Verdict.EXPOSED;
    if (exposedNow && !exposedBefore) {
      emit(
          ns,
          "Warning",
          EXPOSED,
          "Pods in this namespace can reach the cloud metadata"
              + " service: "
              + Texts.clean(r.judgement().reason(), Bounds.EVENT_DETAIL)
              + " (sweep "
              + sweepId
              + ")");
    } else if (!exposedNow && exposedBefore && now != Verdict.SKIPPED) {
      emit(
          ns,
          "Normal",
          RECOVERED,
          "The cloud metadata service is no longer exposed: "
              + now.word()
              + ", "
              + Texts.clean(r.judgement().reason(), Bounds.EVENT_DETAIL)
              + " (sweep "
              + sweepId
              + ")");
    }
  }

  private void emit(String ns, String type, String reason, String text) {
    // the API server takes no Event note over 1024 bytes; the detail was cut to leave the rest
    String message = Texts.clean(text, Bounds.EVENT_MESSAGE);
    String now = clock.instant().toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(ns + ".imds-prober-")
            .withNamespace(ns)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion("v1")
            .withKind("Namespace")
            .withName(ns)
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(message)
            .withNewSource()
            .withComponent("imds-prober")
            .endSource()
            .withReportingComponent("imds-prober")
            .withReportingInstance(instance)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .build();
    try {
      client.v1().events().inNamespace(ns).resource(event).create();
      logger.info("{}: event {}: {}", ns, reason, message);
    } catch (KubernetesClientException e) {
      logger.warn("{}: could not record event {}: {}", ns, reason, e.getMessage());
    }
  }
}
