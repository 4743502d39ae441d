package io.github.switchboard.registration.internal;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.registration.Channel;
import io.github.switchboard.registration.ChannelFailure;
import io.github.switchboard.registration.InvalidNodeException;
import io.github.switchboard.registration.KeepAlive;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * One tick (on the client's worker thread, at a fixed delay, the first at once):
 *
 *   for each channel, highest first:
 *     the current channel:  heartbeat; if the pool forgot the node, register + heartbeat   -> done
 *     any other channel:    register + heartbeat (a higher one: moving back up; a lower one:
 *                           falling down because everything above failed)                  -> done, current
 *     on a ChannelException: remember it and try the next channel
 *   every channel failed: no current channel
 *
 * So a higher channel is retried on every tick; a down coordinator costs a refused connection (or at most the
 * request timeout), a down Redis nothing (its pool says it is not PRIMARY at once).
 *
 * The coordinator refusing the node (400 invalid, 401/403 token) ends the tick without trying lower channels (a
 * node the coordinator refuses must not enter the pool another way) and is retried next tick.
 *
 * Logging: only changes (first registration, a move, a re-registration, all channels failing, the coordinator
 * refusing the node, the load supplier failing); never a heartbeat.
 *
 * State (current, the "logged" flags) is touched only by the worker thread, except close() and channel(),
 * which read or clear volatiles.
 */
/** The {@link KeepAlive} implementation. */
final class DefaultKeepAlive implements KeepAlive {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultKeepAlive.class);

  private final DefaultRegistrationClient client;
  private final DecoderNode node;
  private final Supplier<NodeLoad> load;
  private volatile @Nullable Channel current;
  private volatile boolean closed;
  private volatile @Nullable ScheduledFuture<?> future;
  private boolean started; // a tick has reached a channel at least once
  private boolean allFailedLogged;
  private @Nullable String refusedLogged;
  private boolean loadFailureLogged;
  private @Nullable String unexpectedLogged;

  DefaultKeepAlive(DefaultRegistrationClient client, DecoderNode node, Supplier<NodeLoad> load) {
    this.client = client;
    this.node = node;
    this.load = load;
  }

  void start(Duration interval) {
    long nanos = interval.toNanos();
    future = client.worker().scheduleWithFixedDelay(this::tick, 0, nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public String nodeId() {
    return node.nodeId();
  }

  @Override
  public Optional<Channel> channel() {
    return Optional.ofNullable(current);
  }

  private void tick() {
    if (closed || client.isClosed()) {
      return;
    }
    try {
      doTick();
      unexpectedLogged = null;
    } catch (RuntimeException e) {
      // never let an exception cancel the schedule; logged once while it repeats
      String m = Redaction.urls(e.toString());
      if (!m.equals(unexpectedLogged)) {
        LOG.warn("keep-alive of decoder node '{}': unexpected error: {}", node.nodeId(), m);
        unexpectedLogged = m;
      }
    }
  }

  private void doTick() {
    NodeLoad l = currentLoad();
    Channel before = current;
    List<ChannelFailure> failures = new ArrayList<>();
    for (RegistrationChannel ch : client.channels()) {
      if (closed) {
        return;
      }
      Channel c = ch.channel();
      try {
        try {
          tickOn(ch, c == before, l);
        } catch (InvalidNodeException e) {
          client.attempted(c, false);
          throw e;
        }
        client.attempted(c, true);
        if (c != before) {
          moved(before, ch, failures);
        }
        if (closed) {
          return;
        }
        current = c;
        started = true;
        allFailedLogged = false;
        refusedLogged = null;
        return;
      } catch (InvalidNodeException e) {
        refused(Objects.requireNonNull(e.getMessage()));
        return;
      } catch (ChannelException e) {
        client.attempted(c, e);
        if (e.refused()) {
          refused(Objects.requireNonNull(e.getMessage()));
          return;
        }
        failures.add(new ChannelFailure(c, Objects.requireNonNull(e.getMessage())));
      }
    }
    if (!allFailedLogged) {
      LOG.warn("keep-alive of decoder node '{}': every channel failed, retrying each tick: {}", node.nodeId(),
          DefaultRegistrationClient.join(failures));
      allFailedLogged = true;
    }
    current = null;
  }

  /** On the current channel a heartbeat (and a registration if the pool forgot the node); elsewhere both. */
  private void tickOn(RegistrationChannel ch, boolean current, NodeLoad l) throws ChannelException {
    if (current) {
      if (!ch.heartbeat(node.nodeId(), l)) {
        ch.register(node);
        ch.heartbeat(node.nodeId(), l);
        LOG.info("keep-alive of decoder node '{}': the pool behind {} ({}) had forgotten it; registered it again",
            node.nodeId(), ch.channel().label(), ch.describe());
      }
    } else {
      ch.register(node);
      ch.heartbeat(node.nodeId(), l);
    }
  }

  /** The channel answered and refused (400, 401, 403): no lower channel; logged once while it repeats. */
  private void refused(String msg) {
    if (!msg.equals(refusedLogged)) {
      LOG.warn("keep-alive of decoder node '{}': {}; not placing it on another channel, retrying", node.nodeId(),
          msg);
      refusedLogged = msg;
    }
    current = null;
  }

  private void moved(@Nullable Channel before, RegistrationChannel to, List<ChannelFailure> failures) {
    Channel c = to.channel();
    if (before == null) {
      if (!started && failures.isEmpty()) {
        LOG.info("keep-alive of decoder node '{}': registered via {} ({})", node.nodeId(), c.label(),
            to.describe());
      } else {
        LOG.warn("keep-alive of decoder node '{}': registered via {} ({}){}", node.nodeId(), c.label(),
            to.describe(), failures.isEmpty() ? "" : " after: " + DefaultRegistrationClient.join(failures));
      }
    } else if (c.ordinal() < before.ordinal()) {
      LOG.info("keep-alive of decoder node '{}': {} answers again; moved from {} back to {} ({})", node.nodeId(),
          c.label(), before.label(), c.label(), to.describe());
    } else {
      LOG.warn("keep-alive of decoder node '{}': moved from {} down to {} ({}): {}", node.nodeId(), before.label(),
          c.label(), to.describe(), DefaultRegistrationClient.join(failures));
    }
  }

  private NodeLoad currentLoad() {
    try {
      NodeLoad l = load.get();
      loadFailureLogged = false;
      return l == null ? NodeLoad.NONE : l;
    } catch (RuntimeException e) {
      if (!loadFailureLogged) {
        LOG.warn("keep-alive of decoder node '{}': the load supplier failed ({}); sending no load",
            node.nodeId(), e.toString());
        loadFailureLogged = true;
      }
      return NodeLoad.NONE;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ScheduledFuture<?> f = future;
    if (f != null) {
      f.cancel(false);
    }
    current = null;
    client.removed(this);
  }

  @Override
  public String toString() {
    Channel c = current;
    return "KeepAlive[" + node.nodeId() + ", " + (closed ? "closed" : c == null ? "no channel" : c.label()) + "]";
  }
}
