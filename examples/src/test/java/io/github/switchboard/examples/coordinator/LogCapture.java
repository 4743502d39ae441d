package io.github.switchboard.examples.coordinator;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Captures what the coordinator's logging writes while it is open: an appender on the root logger, with
 * the levels of the coordinator's logback.xml in force, formatting each event with its pattern and
 * counting the bytes.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final PatternLayout layout = new PatternLayout();
  private final AtomicLong bytes = new AtomicLong();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Logger root;

  LogCapture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    setContext(context);
    setName("capture");
    layout.setContext(context);
    layout.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n%ex");
    layout.start();
    start();
    root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(this);
  }

  @Override
  protected void append(ILoggingEvent event) {
    String line = layout.doLayout(event);
    bytes.addAndGet(line.getBytes(StandardCharsets.UTF_8).length);
    lines.add(line);
  }

  /** The bytes logged so far. */
  long bytes() {
    return bytes.get();
  }

  /** The lines logged so far. */
  List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    root.detachAppender(this);
    stop();
  }
}
