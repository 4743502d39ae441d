package io.github.switchboard.pool;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.switchboard.core.testing.RedisDeployment;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Helpers of the Redis pool tests: reading the pool's keys directly, capturing log lines. */
public final class RedisTestSupport {
  private RedisTestSupport() {}

  /** The key of a pool's node hash. */
  public static String nodesKey(String pool) {
    return "switchboard:pool:{" + pool + "}:nodes";
  }

  /** HGETALL of a key, read with a plain connection of the deployment. */
  public static Map<String, String> hgetall(RedisDeployment d, String key) {
    StatefulConnection<String, String> c = d.connect();
    try {
      if (c instanceof StatefulRedisClusterConnection<String, String> cc) {
        return cc.sync().hgetall(key);
      }
      return ((StatefulRedisConnection<String, String>) c).sync().hgetall(key);
    } finally {
      c.close();
    }
  }

  /** HSET of one field, with a plain connection of the deployment. */
  public static void hset(RedisDeployment d, String key, String field, String value) {
    StatefulConnection<String, String> c = d.connect();
    try {
      if (c instanceof StatefulRedisClusterConnection<String, String> cc) {
        cc.sync().hset(key, field, value);
      } else {
        ((StatefulRedisConnection<String, String>) c).sync().hset(key, field, value);
      }
    } finally {
      c.close();
    }
  }

  /** Captures what a logger writes until {@link LogCapture#close()}. */
  public static LogCapture capture(Class<?> type) {
    return new LogCapture((Logger) LoggerFactory.getLogger(type));
  }

  /** Log lines of one logger. */
  public static final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogCapture(Logger logger) {
      this.logger = logger;
      appender.start();
      logger.addAppender(appender);
    }

    /** The formatted messages at or above a level. */
    public List<String> messages(Level atLeast) {
      return appender.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(atLeast))
          .map(ILoggingEvent::getFormattedMessage)
          .collect(Collectors.toList());
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
    }
  }
}
