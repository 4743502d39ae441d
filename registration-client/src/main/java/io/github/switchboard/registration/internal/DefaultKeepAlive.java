package io.github.switchboard.registration.internal;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.registration.Channel;
import io.github.switchboard.registration.ChannelFailure;
import io.github.switchboard.registration.InvalidNodeException;
import io.github.switchboard.registration.KeepAlive;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * One tick (on the client's worker thread; the first after a random delay of up to a second, then one
 * interval after each tick ends, longer after failures: KeepAlivePacing):
 *
 *   for each channel, highest first:
 *     the channel the node is on (the last one a tick reached, even if the last tick failed there):
 *                           heartbeat; if the pool forgot the node, register + heartbeat   -> done
 *     any other channel:    register + heartbeat (a higher one: moving back up; a lower one:
 *                           falling down because everything above failed)                  -> done, current
 *     on a ChannelException: remember it and try the next channel
 *   every channel failed: no current channel; the next tick waits longer (backoff with jitter)
 *
 * A heartbeat that failed (a timeout, an overloaded coordinator or Redis) says nothing about whether the
 * pool still knows the node, so the next tick on that channel sends a heartbeat again, not a registration:
 * only the pool saying it forgot the node (404, false) registers it again. Nodes whose heartbeats time
 * out under load therefore never add registrations to that load, and back off instead.
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
 * Closing: close() marks the keep-alive closed, cancels the schedule and takes the tick lock (a tick runs
 * holding it, and stops after its current call once closed), so no tick can register the node again after
 * it leaves. Then, on the caller's thread and on the channel the last tick reached, the node is set
 * DRAINING (out of rotation at once on every coordinator) and, unless deregisterOnClose(false), removed.
 * Each step is bounded by the request timeout (and skipped at once by an open breaker); a failure is logged
 * and the node then goes stale on its own.
 *
 * State (current, the channel the node is on, the "logged" flags) is touched only under the tick lock,
 * except channel(), which reads a volatile; the count of failed ticks only on the worker thread (a tick
 * schedules the next one after it releases the lock).
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
  private final ReentrantLock tickLock = new ReentrantLock();
  private @Nullable KeepAlivePacing pacing; // set by start()
  private @Nullable Channel on; // the channel the last successful tick reached: the node is registered there
  private int failedTicks; // ticks in a row in which every channel failed
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

  /**
   * Schedules the first tick.
   *
   * @param interval the heartbeat interval
   * @throws RejectedExecutionException if the client's worker is stopped
   */
  void start(Duration interval) {
    KeepAlivePacing p = new KeepAlivePacing(interval, () -> ThreadLocalRandom.current().nextDouble());
    pacing = p;
    future = client.worker().schedule(this::tick, p.firstDelayNanos(), TimeUnit.NANOSECONDS);
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
    tickLock.lock();
    try {
      if (closed || client.isClosed()) {
        return;
      }
      failedTicks = doTick() ? 0 : failedTicks + 1;
      unexpectedLogged = null;
    } catch (RuntimeException e) {
      // never let an exception cancel the schedule; logged once while it repeats
      String m = Redaction.urls(e.toString());
      if (!m.equals(unexpectedLogged)) {
        LOG.warn("keep-alive of decoder node '{}': unexpected error: {}", node.nodeId(), m);
        unexpectedLogged = m;
      }
    } finally {
      tickLock.unlock();
      next();
    }
  }

  /** Schedules the next tick: one interval on, or a backoff after failures (nothing once closed). */
  private void next() {
    KeepAlivePacing p = pacing;
    if (closed || client.isClosed() || p == null) {
      return;
    }
    try {
      future = client.worker().schedule(this::tick, p.nextDelayNanos(failedTicks), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // the client is closing: no more ticks
    }
    if (closed) { // close() ran meanwhile and may have cancelled the previous future
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
    }
  }

  /** Returns false if every channel failed (the next tick backs off). */
  private boolean doTick() {
    NodeLoad l = currentLoad();
    Channel before = current;
    List<ChannelFailure> failures = new ArrayList<>();
    for (RegistrationChannel ch : client.channels()) {
      if (closed) {
        return true;
      }
      Channel c = ch.channel();
      try {
        try {
          tickOn(ch, c == on, l);
        } catch (InvalidNodeException e) {
          client.attempted(c, false);
          throw e;
        }
        client.attempted(c, true);
        // the node is on c now, even if close() began meanwhile: close() (waiting for this tick's lock)
        // must find it there to take it out of rotation (returning before this left a registered node
        // undrained: "on no channel, nothing to drain")
        current = c;
        if (c != before) {
          moved(before, ch, failures);
        }
        on = c;
        started = true;
        allFailedLogged = false;
        refusedLogged = null;
        return true;
      } catch (InvalidNodeException e) {
        refused(Objects.requireNonNull(e.getMessage()));
        return true;
      } catch (ChannelException e) {
        client.attempted(c, e);
        if (e.refused()) {
          refused(Objects.requireNonNull(e.getMessage()));
          return true;
        }
        failures.add(new ChannelFailure(c, Objects.requireNonNull(e.getMessage())));
      }
    }
    if (closed || client.isClosed()) {
      // the client's close interrupted this tick: not a failure of the channels; the node stays on its
      // channel for close() to take it out of rotation there
      return true;
    }
    if (!allFailedLogged) {
      LOG.warn("keep-alive of decoder node '{}': every channel failed, retrying with backoff: {}", node.nodeId(),
          DefaultRegistrationClient.join(failures));
      allFailedLogged = true;
    }
    current = null;
    return false;
  }

  /**
   * On the channel the node is on a heartbeat (and a registration if the pool forgot the node); elsewhere
   * both.
   */
  private void tickOn(RegistrationChannel ch, boolean registered, NodeLoad l) throws ChannelException {
    if (registered) {
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
    if (before == null && c == on) {
      LOG.info("keep-alive of decoder node '{}': {} ({}) answers again; heartbeats go on there{}", node.nodeId(),
          c.label(), to.describe(), failures.isEmpty() ? "" : " after: " + DefaultRegistrationClient.join(failures));
    } else if (before == null) {
      if (!started && failures.isEmpty()) {
        LOG.info("keep-alive of decoder node '{}': registered via {} ({})", node.nodeId(), c.label(),
            to.describe());
      } else {
        LOG.warn("keep-alive of decoder node '{}': registered via {} ({}){}", node.nodeId(), c.label(),
            to.describe(), failures.isEmpty() ? "" : " after: " + DefaultRegistrationClient.join(failures));
      }
    } else if (c.compareTo(before) < 0) { // an earlier channel: a preferred one
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
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    ScheduledFuture<?> f = future;
    if (f != null) {
      f.cancel(false);
    }
    Channel c;
    tickLock.lock(); // a tick in progress stops after its current call; none starts after this
    try {
      c = current;
      current = null;
    } finally {
      tickLock.unlock();
    }
    try {
      if (c == null) {
        LOG.info("keep-alive of decoder node '{}' closed; it was on no channel, nothing to drain", node.nodeId());
      } else {
        leave(client.channel(c));
      }
    } finally {
      client.removed(this);
    }
  }

  /** Takes the node out of rotation on the channel it is on: DRAINING, then (by default) deregistered. */
  private void leave(RegistrationChannel ch) {
    Channel c = ch.channel();
    boolean drained = step(ch, "drain", () -> ch.setStatus(node, NodeStatus.DRAINING));
    if (!client.deregisterOnClose()) {
      if (drained) {
        LOG.info("keep-alive of decoder node '{}' closed; the node is drained (DRAINING) via {} ({})", node.nodeId(),
            c.label(), ch.describe());
      }
      return;
    }
    if (step(ch, "deregister", () -> ch.deregister(node.nodeId()))) {
      LOG.info("keep-alive of decoder node '{}' closed; the node was {}deregistered via {} ({})", node.nodeId(),
          drained ? "drained and " : "", c.label(), ch.describe());
    }
  }

  @FunctionalInterface
  private interface Step {
    boolean run() throws ChannelException;
  }

  /** One step of leaving; a failure is logged at WARN (the node then goes stale on its own). */
  private boolean step(RegistrationChannel ch, String what, Step step) {
    Channel c = ch.channel();
    try {
      step.run();
      client.attempted(c, true);
      return true;
    } catch (ChannelException e) {
      client.attempted(c, e);
      LOG.warn("keep-alive of decoder node '{}' closing: could not {} it: {}; it goes stale on its own",
          node.nodeId(), what, e.getMessage());
    } catch (RuntimeException e) { // InvalidNodeException, or anything unexpected: close() must not throw
      client.attempted(c, false);
      LOG.warn("keep-alive of decoder node '{}' closing: could not {} it: {}; it goes stale on its own",
          node.nodeId(), what, Redaction.urls(e.toString()));
    }
    return false;
  }

  @Override
  public String toString() {
    Channel c = current;
    return "KeepAlive[" + node.nodeId() + ", " + (closed ? "closed" : c == null ? "no channel" : c.label()) + "]";
  }
}
