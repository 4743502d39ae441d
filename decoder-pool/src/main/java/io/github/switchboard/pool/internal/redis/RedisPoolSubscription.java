package io.github.switchboard.pool.internal.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.events.PoolEvents;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The subscription of the Redis store: connects the pub/sub connection (retrying with a backoff of 50 ms
 * doubling to 1 s), SUBSCRIBEs to the pool's channel, and puts every change message, from the stream or
 * from this instance's own writes, in revision order.
 *
 * In-order buffer (on the store's thread): a message at the next revision is applied at once (and any
 * buffered ones after it); an older one is ignored; a later one is buffered. A gap in the stream means
 * messages were lost (the stream is ordered): resynchronise. A gap after an own write may just be the
 * stream being slower than the script's reply: wait LATE_MILLIS for the missing ones (the late check),
 * then resynchronise. While a resynchronisation reads the pool, messages are buffered; the read then
 * drops those it covers (dropUpTo) and drains the rest.
 *
 * (Re)subscribing resynchronises, since nothing published meanwhile was delivered.
 *
 * Bursts: messages from the stream go to an inbox; one task on the store's thread applies what the inbox
 * holds, in order, up to BATCH of them, and submits itself again if more came. A registration storm is
 * thus applied in batches (each change O(log n): PoolSnapshot), with one task per batch instead of one per
 * message, and other work on the store's thread (own writes, a pull's chunk) waits for one batch at most.
 *
 * Logs under RedisPoolStore's logger, as the rest of the store does.
 */
/** The pub/sub subscription of a Redis pool store and the in-order buffer of change messages. */
final class RedisPoolSubscription {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolStore.class);
  // read limits (PoolCodec); data carries a whole value as a string
  private static final ObjectMapper MAPPER =
      PoolCodec.newMapper(2L * PoolCodec.MAX_VALUE_LENGTH, PoolCodec.MAX_VALUE_LENGTH);
  private static final long LATE_MILLIS = 200;
  /** The most stream messages one task applies. */
  static final int BATCH = 256;

  private final String poolName;
  private final RedisConnection connection;
  private final RedisPoolKeys keys;
  private final RedisPoolLocal local;
  private final RedisPoolHeartbeats heartbeats;
  private final String channel;
  private volatile boolean subscribed;
  private volatile boolean everSubscribed;
  private volatile @Nullable StatefulRedisPubSubConnection<String, String> pubsub;
  private long backoffMillis = 50;

  private final ConcurrentLinkedQueue<String> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  // on the store's thread
  private final TreeMap<Long, Message> pending = new TreeMap<>();
  private @Nullable ScheduledFuture<?> lateCheck;

  RedisPoolSubscription(String poolName, RedisConnection connection, RedisPoolKeys keys, RedisPoolLocal local,
      RedisPoolHeartbeats heartbeats) {
    this.poolName = poolName;
    this.connection = connection;
    this.keys = keys;
    this.local = local;
    this.heartbeats = heartbeats;
    this.channel = keys.channel;
  }

  /** A parsed change message; {@code redisMicros} is Redis's time of the change (0 if the message has none). */
  record Message(long rev, String op, String id, @Nullable String data, long redisMicros) {}

  boolean isSubscribed() {
    return subscribed;
  }

  // -------------------------------------------------------------------------------------------- connection

  void connect() {
    if (local.closed()) {
      return;
    }
    CompletionStage<StatefulRedisPubSubConnection<String, String>> attempt;
    try {
      attempt = connection.connectPubSub();
    } catch (RuntimeException e) {
      retry(e);
      return;
    }
    attempt.whenComplete((ps, err) -> {
      if (err != null) {
        retry(RedisConnection.unwrap(err));
      } else if (local.closed()) {
        var unused = ps.closeAsync(); // made after close(): nobody waits for it
      } else {
        subscribe(ps);
      }
    });
  }

  private void subscribe(StatefulRedisPubSubConnection<String, String> ps) {
    pubsub = ps;
    ps.addListener(new RedisPubSubAdapter<String, String>() {
      @Override
      public void message(String ch, String message) {
        if (channel.equals(ch)) {
          inbox.add(message);
          scheduleDrain();
        }
      }

      @Override
      public void subscribed(String ch, long count) {
        if (channel.equals(ch)) {
          subscribed = true;
          // nothing published while unsubscribed was delivered: read the pool again
          boolean again = everSubscribed;
          everSubscribed = true;
          local.submit(() -> local.resync(again ? "pub/sub reconnected" : null));
        }
      }
    });
    ps.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
        boolean was = subscribed;
        subscribed = false;
        if (was && !local.closed()) {
          LOG.info("pool '{}': pub/sub connection lost; will resynchronise when it is back", poolName);
        }
      }

      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {}
    });
    ps.async().subscribe(channel).whenComplete((v, e2) -> {
      if (e2 != null && !local.closed()) {
        LOG.info("pool '{}': SUBSCRIBE failed ({}); retrying", poolName, RedisConnection.unwrap(e2).toString());
        var unused = ps.closeAsync(); // discarded; its SUBSCRIBE error is the one handled
        pubsub = null;
        retry(e2);
      }
    });
  }

  private void retry(Throwable cause) {
    if (local.closed()) {
      return;
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(1000, backoffMillis * 2);
    LOG.debug("pool '{}': pub/sub not connected ({}); retrying in {} ms", poolName, cause.toString(), delay);
    var unused = local.schedule(this::connect, delay); // connect() handles its failures; null once closed
  }

  void close() {
    StatefulRedisPubSubConnection<String, String> ps = pubsub;
    pubsub = null;
    if (ps != null) {
      try {
        ps.close();
      } catch (RuntimeException e) {
        LOG.debug("pool '{}': closing pub/sub failed", poolName, e);
      }
    }
  }

  // ------------------------------------------------------------------------------------- in-order buffer

  private void scheduleDrain() {
    if (draining.compareAndSet(false, true) && !local.submit(this::drainInbox)) {
      draining.set(false); // closed
    }
  }

  /** On the store's thread: the stream's messages received so far, in order, at most BATCH of them. */
  private void drainInbox() {
    try {
      for (int n = 0; n < BATCH; n++) {
        String m = inbox.poll();
        if (m == null) {
          break;
        }
        onMessage(m, true);
      }
    } finally {
      draining.set(false);
      if (!inbox.isEmpty()) {
        scheduleDrain();
      }
    }
  }

  /** On the store's thread: when an unreadable message was last logged at WARN (0: never). */
  private long unreadableWarnedAt;

  private static Message parse(String raw) throws IOException {
    JsonNode n = MAPPER.readTree(raw);
    if (n == null || !n.isObject() || !n.path("rev").isIntegralNumber() || !n.path("op").isTextual()) {
      throw new IOException("not a pool event");
    }
    JsonNode data = n.get("data");
    return new Message(n.get("rev").longValue(), n.get("op").textValue(), n.path("id").asText(""),
        data == null || data.isNull() ? null : data.asText(), n.path("t").asLong(0));
  }

  /** On the store's thread: a change message from pub/sub ({@code fromStream}) or from an own write. */
  void onMessage(String raw, boolean fromStream) {
    Message m;
    try {
      m = parse(raw);
    } catch (IOException | RuntimeException e) {
      // WARN at most once a minute: anyone who can PUBLISH could otherwise flood the log
      long now = System.nanoTime();
      boolean warn = unreadableWarnedAt == 0 || now - unreadableWarnedAt >= TimeUnit.MINUTES.toNanos(1);
      if (warn) {
        unreadableWarnedAt = now == 0 ? 1 : now;
        LOG.warn("pool '{}': unreadable message on {} ignored ({}); resynchronising (repeats within a minute"
            + " are logged at DEBUG)", poolName, channel, e.toString());
      } else {
        LOG.debug("pool '{}': unreadable message on {} ignored ({}); resynchronising", poolName, channel,
            e.toString());
      }
      local.resync("unreadable event");
      return;
    }
    if ("reset".equals(m.op)) {
      local.resync(null);
      return;
    }
    long here = local.snapshot().revision();
    if (local.resyncing()) {
      if (m.rev > here) {
        pending.put(m.rev, m);
      }
      return;
    }
    if (m.rev <= here) {
      return;
    }
    if (m.rev == here + 1) {
      applyMessage(m);
      drain();
      local.completeWaiters();
      return;
    }
    pending.put(m.rev, m);
    if (fromStream && local.loaded()) {
      local.resync("revision gap (got " + m.rev + ", expected " + (here + 1) + ")");
    } else if (!local.loaded()) {
      local.resync(null);
    } else {
      armLateCheck();
    }
  }

  /** On the store's thread: forgets the buffered messages a full read covered, then applies the rest. */
  void dropUpTo(long rev) {
    while (!pending.isEmpty() && pending.firstKey() <= rev) {
      pending.pollFirstEntry();
    }
    drain();
  }

  private void drain() {
    while (!pending.isEmpty()) {
      Map.Entry<Long, Message> first = pending.firstEntry();
      long here = local.snapshot().revision();
      if (first.getKey() <= here) {
        pending.pollFirstEntry();
      } else if (first.getKey() == here + 1) {
        pending.pollFirstEntry();
        applyMessage(first.getValue());
      } else {
        armLateCheck();
        return;
      }
    }
  }

  private void armLateCheck() {
    if (lateCheck != null) {
      return;
    }
    long expect = pending.isEmpty() ? local.snapshot().revision() + 1 : pending.lastKey();
    lateCheck = local.schedule(() -> {
      lateCheck = null;
      if (local.snapshot().revision() < expect && !local.closed()) {
        local.resync("changes did not arrive in order in time");
      }
    }, LATE_MILLIS);
  }

  // ------------------------------------------------------------------------------------------ applying

  /** On the store's thread: the messages a script call published, then wait until the snapshot reaches its revision. */
  void applyOwn(List<String> messages, long revision, CompletableFuture<Void> applied) {
    for (String m : messages) {
      onMessage(m, false);
    }
    local.awaitRevision(revision, applied);
  }

  /*
   * On the store's thread: a change Redis published, at the next revision, applied by PoolChange's rules.
   * Messages are applied in revision order, so the local snapshot equals Redis's state before the change and
   * the rules decide as pool_apply.lua did; a change that changes nothing here (or does not parse) means the
   * snapshot has drifted: read it again.
   */
  private void applyMessage(Message m) {
    PoolChange.Outcome o;
    try {
      PoolChange change = PoolChange.fromMessage(m.op(), m.id(), m.data() == null ? "" : m.data());
      if (change instanceof PoolChange.Heartbeat h) {
        change = heartbeats.localHeartbeat(h);
      } else if (change instanceof PoolChange.Remove || change instanceof PoolChange.Evict) {
        heartbeats.forget(change.id());
      }
      o = change.applyTo(local.snapshot(), m.rev());
    } catch (RuntimeException e) {
      LOG.warn("pool '{}': event {} on {} could not be applied ({}); resynchronising", poolName, m.rev(),
          keys.channel, e.getMessage());
      local.resync("unreadable event");
      return;
    }
    PoolEvent event = o.event();
    if (event == null && m.rev() <= local.settledUpTo()) {
      // made while the last full read was paged, and already in it (RedisPoolPages): nothing to do
      local.set(local.snapshot().withRevision(m.rev()));
      return;
    }
    if (event == null) {
      local.resync("event " + m.rev() + " does not apply to the local snapshot");
      return;
    }
    long delay = heartbeats.propagationDelayMicros(m.redisMicros());
    if (delay >= 0) {
      event = PoolEvents.withPropagationDelay(event, Duration.ofNanos(delay * 1000));
    }
    local.set(o.snapshot());
    local.emit(event);
  }
}
