package io.github.switchboard.cache.internal;

import io.github.switchboard.core.internal.RedisConnection;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The cache's subscription to its channel. It knows nothing of the cache: it hands each message to
 * `onMessage`, and calls `onLive` each time the channel is subscribed (the first time, and after every
 * reconnection: messages published meanwhile were lost, so the cache drops its near copies then) and
 * `onLost` when the connection drops. Lettuce resubscribes by itself after a reconnection; a connection
 * that could not be made at all is retried here with a backoff capped at 1 s.
 */
/** A pub/sub subscription to one channel, reconnected and resubscribed as long as it is open. */
final class CacheSubscription implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CacheSubscription.class);

  private final RedisConnection redis;
  private final String channel;
  private final String name;
  private final Consumer<String> onMessage;
  private final Runnable onLive;
  private final Runnable onLost;
  private final ScheduledExecutorService scheduler;
  private volatile @Nullable StatefulRedisPubSubConnection<String, String> pubsub;
  private final java.util.concurrent.CompletableFuture<Void> firstLive = new java.util.concurrent.CompletableFuture<>();
  private volatile boolean live;
  private volatile boolean closed;
  private long backoffMillis = 50;
  private boolean connecting;

  CacheSubscription(
      RedisConnection redis,
      String channel,
      String name,
      ScheduledExecutorService scheduler,
      Consumer<String> onMessage,
      Runnable onLive,
      Runnable onLost) {
    this.redis = redis;
    this.channel = channel;
    this.name = name;
    this.scheduler = scheduler;
    this.onMessage = onMessage;
    this.onLive = onLive;
    this.onLost = onLost;
  }

  /** Whether the channel is subscribed now. */
  boolean isLive() {
    StatefulRedisPubSubConnection<String, String> ps = pubsub;
    return live && ps != null && ps.isOpen();
  }

  /** Completes the first time the channel is subscribed. */
  java.util.concurrent.CompletableFuture<Void> firstLive() {
    return firstLive;
  }

  /** Starts connecting (once; later calls do nothing while a connection exists or is being made). */
  synchronized void connect() {
    if (closed || connecting || pubsub != null) {
      return;
    }
    connecting = true;
    CompletionStage<StatefulRedisPubSubConnection<String, String>> attempt;
    try {
      attempt = redis.connectPubSub();
    } catch (RuntimeException e) {
      retry(e);
      return;
    }
    attempt.whenComplete(
        (ps, error) -> {
          if (error != null) {
            retry(RedisConnection.unwrap(error));
          } else if (closed) {
            var unused = ps.closeAsync(); // made after close(): nobody waits for it
          } else {
            subscribe(ps);
          }
        });
  }

  private void subscribe(StatefulRedisPubSubConnection<String, String> ps) {
    ps.addListener(
        new RedisPubSubAdapter<String, String>() {
          @Override
          public void message(String ch, String message) {
            if (channel.equals(ch)) {
              onMessage.accept(message);
            }
          }

          @Override
          public void subscribed(String ch, long count) {
            if (channel.equals(ch)) {
              onLive.run(); // first: the cache drops what it may have missed, then trusts the channel
              live = true;
              firstLive.complete(null);
            }
          }
        });
    ps.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
            boolean was = live;
            live = false;
            onLost.run();
            if (was && !closed) {
              LOG.info("Cache '{}': subscription lost; its near cache is bypassed until it is back", name);
            }
          }

          @Override
          public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {}
        });
    synchronized (this) {
      pubsub = ps;
      connecting = false;
      backoffMillis = 50;
    }
    ps.async()
        .subscribe(channel)
        .whenComplete(
            (v, error) -> {
              if (error != null && !closed) {
                synchronized (this) {
                  pubsub = null;
                }
                var unused = ps.closeAsync(); // discarded; the SUBSCRIBE error is the one handled
                retry(RedisConnection.unwrap(error));
              }
            });
  }

  private synchronized void retry(Throwable cause) {
    connecting = false;
    if (closed) {
      return;
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(1000, backoffMillis * 2);
    LOG.debug("Cache '{}': subscription not made ({}); retrying in {} ms", name, cause.toString(), delay);
    try {
      var unused = scheduler.schedule(this::connect, delay, TimeUnit.MILLISECONDS); // connect() handles its failures
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  @Override
  public void close() {
    closed = true;
    live = false;
    StatefulRedisPubSubConnection<String, String> ps;
    synchronized (this) {
      ps = pubsub;
      pubsub = null;
    }
    if (ps != null) {
      try {
        ps.close();
      } catch (RuntimeException e) {
        LOG.debug("Cache '{}': closing the subscription failed", name, e);
      }
    }
  }
}
