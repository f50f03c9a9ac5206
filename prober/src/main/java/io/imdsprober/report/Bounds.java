package io.imdsprober.report;

import io.imdsprober.util.Texts;

/**
 * How many bytes (UTF-8) each output gives one untrusted string, after {@link Texts#clean}: label
 * and annotation values, policy names, pod status messages, Event text and the probe's facts reach
 * every output, and a tenant controls much of it.
 */
public final class Bounds {
  /**
   * A Kubernetes Event's message: the API server's limit for an Event note ({@code
   * NoteLengthLimit}, 1024 bytes; the scheduler cuts its own messages to it).
   */
  public static final int EVENT_MESSAGE = 1024;

  /** The detail quoted inside an Event message, leaving room for the sentence and the sweep id. */
  public static final int EVENT_DETAIL = 640;

  /**
   * A namespace's {@code detail} and anything that quotes it: the JSON report, a JUnit error's
   * message, an OpenReports result's message.
   */
  public static final int DETAIL = 4096;

  /**
   * Any other one string: a namespace or workload name, a label key or value, a policy name, a
   * reason, a word of a list.
   */
  public static final int NAME = 512;

  /** One string of the agent's facts (a DNS name or server, an egress URL, an error). */
  public static final int FACT = 512;

  /** The message of one log line (one line per record, whatever the message carried). */
  public static final int LOG_MESSAGE = 8192;

  private Bounds() {}

  /** A name, label or word for any output: {@link Texts#clean} to {@link #NAME}. */
  public static String name(String s) {
    return Texts.clean(s, NAME);
  }

  /** A free text (a detail, a reason, a policy line): {@link Texts#clean} to {@link #DETAIL}. */
  public static String text(String s) {
    return Texts.clean(s, DETAIL);
  }
}
