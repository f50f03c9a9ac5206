package io.imdsprober.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import io.imdsprober.report.Bounds;
import io.imdsprober.util.Texts;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Logback set up in code (found through ServiceLoader) instead of logback.xml: parsing XML loads
 * hundreds of classes that a short-lived probe pod pays for in start-up time and memory. Logs go to
 * stderr, since stdout carries reports and the probe's facts. The level comes from {@code
 * IMDS_PROBER_LOG_LEVEL} (default INFO). One line per record: each message is cleaned and bounded
 * ({@link Bounds#LOG_MESSAGE}) in both formats.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("stderr");
    appender.setTarget("System.err");
    Encoder<ILoggingEvent> encoder;
    try {
      encoder = encoder(context, System.getenv("IMDS_PROBER_LOG_FORMAT"));
    } catch (IllegalArgumentException e) {
      System.err.println("IMDS_PROBER_LOG_FORMAT: " + e.getMessage() + "; logging as text");
      encoder = encoder(context, "text");
    }
    appender.setEncoder(encoder);
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv("IMDS_PROBER_LOG_LEVEL"), Level.INFO));
    root.addAppender(appender);
    // Quartz logs its whole set-up at INFO; its warnings still show
    context.getLogger("org.quartz").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * Switches the log format: {@code text} (the default) or {@code json} (one JSON object per line,
   * logback's JsonEncoder, for log pipelines).
   *
   * @throws IllegalArgumentException naming the format when it is neither
   */
  public static void useFormat(String format) {
    if (!(org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Encoder<ILoggingEvent> encoder = encoder(context, format);
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root.getAppender("stderr") instanceof ConsoleAppender<ILoggingEvent> appender) {
      appender.stop();
      appender.setEncoder(encoder);
      appender.start();
    }
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
    String f = format == null || format.isBlank() ? "text" : format.trim();
    if (f.equals("json")) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return new CleanMessages(json);
    }
    if (!f.equals("text")) {
      throw new IllegalArgumentException("'" + format + "' is not text|json");
    }
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    TextLayout layout = new TextLayout();
    layout.setContext(context);
    layout.start();
    encoder.setLayout(layout);
    encoder.start();
    return encoder;
  }

  /**
   * A log message as one line, cleaned and bounded: messages quote what pods, policies and the
   * probe's facts said, and a line feed there would forge a log line.
   */
  static String clean(String message) {
    return Texts.clean(message, Bounds.LOG_MESSAGE);
  }

  /** The JSON encoder, given each event with its formatted message {@link #clean}ed. */
  static final class CleanMessages extends EncoderBase<ILoggingEvent> {
    private final Encoder<ILoggingEvent> json;

    CleanMessages(Encoder<ILoggingEvent> json) {
      this.json = json;
    }

    @Override
    public byte[] headerBytes() {
      return json.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
      return json.encode(
          (ILoggingEvent)
              Proxy.newProxyInstance(
                  ILoggingEvent.class.getClassLoader(),
                  new Class<?>[] {ILoggingEvent.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("getFormattedMessage")) {
                      return clean(event.getFormattedMessage());
                    }
                    try {
                      return method.invoke(event, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                  }));
    }

    @Override
    public byte[] footerBytes() {
      return json.footerBytes();
    }
  }

  /**
   * {@code 2026-11-26T10:00:00.123Z INFO ProbeAgent - message}, then the stack trace if any; the
   * fabric8 client's exceptions (retries, the leader elector's attempts) on the same line, their
   * causes' messages only.
   */
  static final class TextLayout extends LayoutBase<ILoggingEvent> {
    private static final String LIBRARY = "io.fabric8.";
    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);

    @Override
    public String doLayout(ILoggingEvent event) {
      String logger = event.getLoggerName();
      StringBuilder sb = new StringBuilder(128);
      sb.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp())))
          .append(' ')
          .append(String.format("%-5s", event.getLevel()))
          .append(' ')
          .append(logger.substring(logger.lastIndexOf('.') + 1))
          .append(" - ")
          .append(clean(event.getFormattedMessage()));
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null && logger.startsWith(LIBRARY)) {
        // a library retrying against a lost API server: one line per attempt, its causes inline
        sb.append(": ").append(clean(causes(thrown))).append(CoreConstants.LINE_SEPARATOR);
      } else {
        sb.append(CoreConstants.LINE_SEPARATOR);
        if (thrown != null) {
          sb.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
        }
      }
      return sb.toString();
    }

    /** Each distinct message of the cause chain, outermost first, on one line. */
    static String causes(IThrowableProxy thrown) {
      java.util.List<String> parts = new java.util.ArrayList<>();
      for (IThrowableProxy t = thrown; t != null && parts.size() < 8; t = t.getCause()) {
        String m = t.getMessage() == null ? "" : t.getMessage().replaceAll("\\s+", " ").strip();
        if (!m.isEmpty() && parts.stream().noneMatch(p -> p.contains(m))) {
          parts.add(m);
        }
      }
      return String.join(": ", parts);
    }
  }
}
