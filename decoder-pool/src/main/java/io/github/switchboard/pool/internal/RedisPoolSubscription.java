package io.github.switchboard.pool.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.switchboard.core.internal.RedisConnection;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
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

  private final RedisPoolStore store;
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

  RedisPoolSubscription(RedisPoolStore store) {
    this.store = store;
    this.channel = store.keys.channel;
  }

  /** A parsed change message; {@code redisMicros} is Redis's time of the change (0 if the message has none). */
  record Message(long rev, String op, String id, @Nullable String data, long redisMicros) {}

  boolean isSubscribed() {
    return subscribed;
  }

  // -------------------------------------------------------------------------------------------- connection

  void connect() {
    if (store.closed) {
      return;
    }
    CompletionStage<StatefulRedisPubSubConnection<String, String>> attempt;
    try {
      attempt = store.connection.connectPubSub();
    } catch (RuntimeException e) {
      retry(e);
      return;
    }
    attempt.whenComplete((ps, err) -> {
      if (err != null) {
        retry(RedisConnection.unwrap(err));
      } else if (store.closed) {
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
          store.submit(() -> store.resync.request(again ? "pub/sub reconnected" : null));
        }
      }
    });
    ps.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
        boolean was = subscribed;
        subscribed = false;
        if (was && !store.closed) {
          LOG.info("pool '{}': pub/sub connection lost; will resynchronise when it is back", store.poolName);
        }
      }

      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {}
    });
    ps.async().subscribe(channel).whenComplete((v, e2) -> {
      if (e2 != null && !store.closed) {
        LOG.info("pool '{}': SUBSCRIBE failed ({}); retrying", store.poolName, RedisConnection.unwrap(e2).toString());
        var unused = ps.closeAsync(); // discarded; its SUBSCRIBE error is the one handled
        pubsub = null;
        retry(e2);
      }
    });
  }

  private void retry(Throwable cause) {
    if (store.closed) {
      return;
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(1000, backoffMillis * 2);
    LOG.debug("pool '{}': pub/sub not connected ({}); retrying in {} ms", store.poolName, cause.toString(), delay);
    try {
      var unused = store.exec.schedule(this::connect, delay, TimeUnit.MILLISECONDS); // connect() handles its failures
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  void close() {
    StatefulRedisPubSubConnection<String, String> ps = pubsub;
    pubsub = null;
    if (ps != null) {
      try {
        ps.close();
      } catch (RuntimeException e) {
        LOG.debug("pool '{}': closing pub/sub failed", store.poolName, e);
      }
    }
  }

  // ------------------------------------------------------------------------------------- in-order buffer

  private void scheduleDrain() {
    if (draining.compareAndSet(false, true) && !store.submit(this::drainInbox)) {
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
            + " are logged at DEBUG)", store.poolName, channel, e.toString());
      } else {
        LOG.debug("pool '{}': unreadable message on {} ignored ({}); resynchronising", store.poolName, channel,
            e.toString());
      }
      store.resync.request("unreadable event");
      return;
    }
    if ("reset".equals(m.op)) {
      store.resync.request(null);
      return;
    }
    long local = store.snapshot.revision();
    if (store.resync.running()) {
      if (m.rev > local) {
        pending.put(m.rev, m);
      }
      return;
    }
    if (m.rev <= local) {
      return;
    }
    if (m.rev == local + 1) {
      store.applyMessage(m);
      drain();
      store.completeWaiters();
      return;
    }
    pending.put(m.rev, m);
    if (fromStream && store.loaded) {
      store.resync.request("revision gap (got " + m.rev + ", expected " + (local + 1) + ")");
    } else if (!store.loaded) {
      store.resync.request(null);
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
      long local = store.snapshot.revision();
      if (first.getKey() <= local) {
        pending.pollFirstEntry();
      } else if (first.getKey() == local + 1) {
        pending.pollFirstEntry();
        store.applyMessage(first.getValue());
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
    long expect = pending.isEmpty() ? store.snapshot.revision() + 1 : pending.lastKey();
    lateCheck = store.exec.schedule(() -> {
      lateCheck = null;
      if (store.snapshot.revision() < expect && !store.closed) {
        store.resync.request("changes did not arrive in order in time");
      }
    }, LATE_MILLIS, TimeUnit.MILLISECONDS);
  }
}
