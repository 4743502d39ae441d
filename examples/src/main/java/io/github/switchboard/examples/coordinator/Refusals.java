package io.github.switchboard.examples.coordinator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * What the HTTP server refuses to its clients, before any of them is known, is counted here instead of
 * being logged one line per request: a client can send such requests as fast as it likes, and a log line
 * quoting each one was a flood (1,000 duplicate Host headers made 15.2 MB of log). ConnectionGuard calls
 * flush() once a minute and when the server stops; a minute without a refusal logs nothing.
 */
/** Counts the requests and connections the HTTP server refuses, and logs their summary at most once a minute. */
final class Refusals {
  private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);
  private static final int MAX_REASON = 80;

  private final HttpLimits limits;
  private final Map<Integer, LongAdder> malformed = new ConcurrentHashMap<>();
  private final LongAdder overAddress = new LongAdder();
  private final LongAdder headerTimeouts = new LongAdder();
  private final LongAdder slowBodies = new LongAdder();
  private volatile @Nullable String lastReason;
  private volatile @Nullable String lastAddress;
  private long since = System.nanoTime();

  Refusals(HttpLimits limits) {
    this.limits = limits;
  }

  /** A request the server itself answered with an error (malformed, too large, a method it does not serve). */
  void malformed(int status, @Nullable String reason) {
    malformed.computeIfAbsent(status, s -> new LongAdder()).increment();
    if (reason != null) {
      lastReason = reason;
    }
  }

  /** A connection closed at once: its address already had {@link HttpLimits#maxConnectionsPerAddress()}. */
  void overAddress(String address) {
    overAddress.increment();
    lastAddress = address;
  }

  /** A connection closed because its request's headers did not arrive within the header timeout. */
  void headerTimeout() {
    headerTimeouts.increment();
  }

  /** A request body answered 408: slower than the body rate, or stopped for the idle timeout. */
  void slowBody() {
    slowBodies.increment();
  }

  /**
   * Logs one WARN line with the counts since the last call, if there were any, and starts counting
   * afresh.
   *
   * @return the line logged, or null when there was nothing to log
   */
  synchronized @Nullable String flush() {
    long now = System.nanoTime();
    long seconds = Math.max(1, (now - since + 500_000_000L) / 1_000_000_000L);
    since = now;
    StringBuilder line = new StringBuilder();
    Map<Integer, Long> statuses = new TreeMap<>();
    malformed.forEach((status, count) -> {
      long n = count.sumThenReset();
      if (n > 0) {
        statuses.put(status, n);
      }
    });
    if (!statuses.isEmpty()) {
      long total = statuses.values().stream().mapToLong(Long::longValue).sum();
      line.append(total).append(" requests answered with an error before the API saw them ").append(statuses)
          .append(" (last: ").append(printable(lastReason)).append(')');
    }
    long over = overAddress.sumThenReset();
    if (over > 0) {
      separate(line).append(over).append(" connections closed over ")
          .append(HttpLimits.ENV_HTTP_MAX_CONNECTIONS_PER_ADDRESS).append('=')
          .append(limits.maxConnectionsPerAddress()).append(" (last from ").append(lastAddress).append(')');
    }
    long headers = headerTimeouts.sumThenReset();
    if (headers > 0) {
      separate(line).append(headers).append(" connections closed with a request's headers incomplete after ")
          .append(limits.headerTimeout().toMillis()).append(" ms (")
          .append(HttpLimits.ENV_HTTP_HEADER_TIMEOUT_SECONDS).append(')');
    }
    long bodies = slowBodies.sumThenReset();
    if (bodies > 0) {
      separate(line).append(bodies).append(" request bodies answered 408, slower than ")
          .append(limits.minBodyRate()).append(" B/s (").append(HttpLimits.ENV_HTTP_MIN_BODY_BYTES_PER_SECOND)
          .append(") or stopped");
    }
    if (line.length() == 0) {
      return null;
    }
    String text = "HTTP clients refused in the last " + seconds + " s: " + line;
    LOG.warn(text);
    return text;
  }

  private static StringBuilder separate(StringBuilder line) {
    return line.length() == 0 ? line : line.append("; ");
  }

  /** The reason as it may be logged: printable ASCII only, at most MAX_REASON characters. */
  private static String printable(@Nullable String reason) {
    if (reason == null) {
      return "-";
    }
    StringBuilder b = new StringBuilder(Math.min(reason.length(), MAX_REASON));
    for (int i = 0; i < reason.length() && b.length() < MAX_REASON; i++) {
      char c = reason.charAt(i);
      b.append(c >= ' ' && c < 0x7f ? c : '?');
    }
    return b.toString();
  }
}
