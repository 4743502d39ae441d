package io.github.switchboard.examples.coordinator;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Two bounds Jetty 12 does not have, on the connections of one connector:
 *
 * - Connections per client address (HTTP_MAX_CONNECTIONS_PER_ADDRESS; IPv6 addresses count per /64,
 *   what one host is usually given). A connection past the bound is closed as soon as it is opened,
 *   before anything is read from it, so that one client cannot take all of HTTP_MAX_CONNECTIONS.
 * - A deadline for a request's line and headers (HTTP_HEADER_TIMEOUT_SECONDS). Jetty parses headers on
 *   its selector and only has an idle timeout, which a client sending one byte every few seconds never
 *   meets. A sweep, a few times per timeout on Jetty's scheduler, looks at each connection's parser: in
 *   the request line or the headers since longer than the timeout (HttpParser's begin time, the first
 *   byte of the request), the connection is closed, without an answer. Empty lines before a request
 *   (which the parser skips, unbounded) count from the first sweep that sees more than one CRLF of them.
 *   An overdue connection is closed on the second sweep that sees it overdue in the same request, so that
 *   one racy read of the parser (it belongs to the selector) never closes a healthy connection.
 *
 * A connection between requests is the idle timeout's; a body is BodyReader's (the body rate). Nothing is
 * logged per connection: Refusals counts. The sweep costs a few field reads per open connection.
 */
/** Bounds connections per client address and closes connections whose request headers take too long. */
final class ConnectionGuard extends AbstractLifeCycle implements Connection.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final long SUMMARY_MILLIS = 60_000;
  /** Empty-line bytes between requests that do not start the header clock (one CRLF, RFC 9112 2.2). */
  private static final long FREE_PADDING = 2;

  private final HttpLimits limits;
  private final Refusals refusals;
  private final Scheduler scheduler;
  private final long headerNanos;
  private final long sweepMillis;
  private final Map<Object, Integer> perAddress = new ConcurrentHashMap<>();
  private final Map<Connection, Watch> watches = new ConcurrentHashMap<>();
  private volatile Scheduler.@Nullable Task sweep;
  private volatile Scheduler.@Nullable Task summary;

  /** What the sweep knows of one connection (read and written by the sweep only, but for key). */
  private static final class Watch {
    final Object key;
    long requests;
    long bytes = -1;
    long paddingSince;
    long overdue;

    Watch(Object key) {
      this.key = key;
    }
  }

  ConnectionGuard(HttpLimits limits, Refusals refusals, Scheduler scheduler) {
    this.limits = limits;
    this.refusals = refusals;
    this.scheduler = scheduler;
    this.headerNanos = limits.headerTimeout().toNanos();
    this.sweepMillis = Math.max(50, Math.min(1000, limits.headerTimeout().toMillis() / 4));
  }

  @Override
  protected void doStart() {
    sweep = scheduler.schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
    summary = scheduler.schedule(this::summarize, SUMMARY_MILLIS, TimeUnit.MILLISECONDS);
    LOG.info("HTTP bounds: {} connections, {} per address, request headers within {} ms, bodies at least {} B/s",
        limits.maxConnections(), limits.maxConnectionsPerAddress(), limits.headerTimeout().toMillis(),
        limits.minBodyRate());
  }

  @Override
  protected void doStop() {
    cancel(sweep);
    cancel(summary);
    refusals.flush();
  }

  /** Returns how many connections from the address are open (for tests). */
  int connectionsFrom(InetAddress address) {
    return perAddress.getOrDefault(key(address), 0);
  }

  @Override
  public void onOpened(Connection connection) {
    Object key = key(connection.getEndPoint().getRemoteSocketAddress());
    watches.put(connection, new Watch(key));
    int open = perAddress.merge(key, 1, Integer::sum);
    if (open > limits.maxConnectionsPerAddress()) {
      refusals.overAddress(describe(key));
      connection.getEndPoint().close();
    }
  }

  @Override
  public void onClosed(Connection connection) {
    Watch watch = watches.remove(connection);
    if (watch != null) {
      perAddress.computeIfPresent(watch.key, (k, open) -> open <= 1 ? null : open - 1);
    }
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      watches.forEach((connection, watch) -> {
        if (connection instanceof HttpConnection http && overdue(http, watch, now)) {
          refusals.headerTimeout();
          http.getEndPoint().close();
        }
      });
    } catch (RuntimeException e) {
      LOG.warn("the HTTP header deadline sweep failed; it runs again in {} ms", sweepMillis, e);
    } finally {
      if (isRunning()) {
        sweep = scheduler.schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Whether the connection has been in one request's line or headers for longer than the timeout. */
  private boolean overdue(HttpConnection http, Watch watch, long now) {
    HttpParser parser = http.getParser();
    HttpParser.State state = parser.getState();
    long begin;
    if (state == HttpParser.State.START) {
      long requests = http.getMessagesIn();
      long bytes = http.getBytesIn();
      if (watch.bytes < 0 || requests != watch.requests) {
        watch.requests = requests;
        watch.bytes = bytes;
        watch.paddingSince = 0;
        return false;
      }
      if (watch.paddingSince == 0) {
        if (bytes - watch.bytes <= FREE_PADDING) {
          return false;
        }
        watch.paddingSince = now;
      }
      begin = watch.paddingSince;
    } else if (state.ordinal() < HttpParser.State.CONTENT.ordinal()) {
      begin = parser.getBeginNanoTime();
      watch.bytes = -1;
    } else {
      watch.bytes = -1; // a body (BodyReader's) or a request being served
      return false;
    }
    if (now - begin <= headerNanos) {
      return false;
    }
    if (watch.overdue != begin) {
      watch.overdue = begin; // closed on the next sweep if it is still this request
      return false;
    }
    return true;
  }

  private void summarize() {
    try {
      refusals.flush();
    } finally {
      if (isRunning()) {
        summary = scheduler.schedule(this::summarize, SUMMARY_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
  }

  private static void cancel(Scheduler.@Nullable Task task) {
    if (task != null) {
      task.cancel();
    }
  }

  /** The address a connection counts under: an IPv4 address, or the /64 network of an IPv6 one. */
  private static Object key(@Nullable SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return key(inet.getAddress());
    }
    return "unknown";
  }

  private static Object key(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] bytes = address.getAddress();
    Arrays.fill(bytes, 8, 16, (byte) 0);
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("16 bytes are an IPv6 address", e);
    }
  }

  private static String describe(Object key) {
    if (key instanceof Inet6Address six) {
      return six.getHostAddress() + "/64";
    }
    return key instanceof InetAddress inet ? inet.getHostAddress() : key.toString();
  }
}
