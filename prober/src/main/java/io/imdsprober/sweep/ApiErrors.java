package io.imdsprober.sweep;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.imdsprober.verdict.Failure;
import java.io.IOException;
import java.util.Locale;

/** Names what went wrong with an API request, and which bounded failure reason it is. */
public final class ApiErrors {
  private ApiErrors() {}

  /** Whether the request never reached an answer (connection refused, timeout, DNS). */
  public static boolean unreachable(KubernetesClientException e) {
    return e.getCode() <= 0 && causedBy(e, IOException.class);
  }

  /** Whether the API server said the client lacks a permission (RBAC, not admission). */
  public static boolean forbiddenByRbac(KubernetesClientException e) {
    String m = message(e).toLowerCase(Locale.ROOT);
    return e.getCode() == 403 && m.contains("cannot ");
  }

  /**
   * One line for a person: the action, the object and what the API server said.
   *
   * @param action such as {@code list namespaces} or {@code create jobs in namespace team-a}
   */
  public static String describe(String action, String server, KubernetesClientException e) {
    if (unreachable(e)) {
      return "cannot reach the API server " + server + " to " + action + ": " + rootMessage(e);
    }
    if (forbiddenByRbac(e)) {
      return "forbidden: the prober may not " + action + " (" + message(e) + ")";
    }
    return "API server "
        + server
        + " refused to "
        + action
        + ": HTTP "
        + e.getCode()
        + " "
        + message(e);
  }

  /** The failure reason of a Job that could not be created. */
  public static String createReason(KubernetesClientException e) {
    String m = message(e).toLowerCase(Locale.ROOT);
    if (m.contains("exceeded quota")) {
      return Failure.QUOTA_EXCEEDED;
    }
    if (e.getCode() == 422) {
      return Failure.INVALID;
    }
    if (e.getCode() == 403 && !forbiddenByRbac(e)) {
      return Failure.ADMISSION_DENIED;
    }
    return Failure.API_ERROR;
  }

  /** The API server's message, or the exception's. */
  public static String message(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    return rootMessage(e);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
