package io.github.switchboard.pool.internal;

import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.pool.PoolWriteTimeoutException;
import io.github.switchboard.pool.PoolWriter;
import io.github.switchboard.pool.internal.redis.RedisPoolStore;
import io.github.switchboard.pool.internal.store.PoolChange;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * A pool writer for decoder nodes: each write is one pool_apply.lua call in "live" mode with the same KEYS
 * and ARGV as the Redis store's write path (KEYS: nodes, state, abtests, rev, updated, heartbeats, settings; ARGV:
 * the events channel, "live", then op, id, a, b, ts of one PoolChange), so coordinators hear the change as
 * they hear their own; the script's answer is {rev, code, message} and code 1 is the write's result.
 *
 * What a writer does not do: it keeps no snapshot, does not subscribe, does not take part in the sweeper's
 * election, runs no health checks and owns no thread (Lettuce's event loop completes its stages). It holds
 * one RedisConnection, used by every caller at once (Lettuce pipelines concurrent commands on it).
 *
 * A missing pool (pool_apply.lua answers LOST: the revision key is gone) is created empty with
 * pool_seed.lua, which writes only while the key is missing, and the write is sent once more. The
 * coordinators, which kept their snapshots, see a new epoch they did not seed and merge back what they knew
 * (RedisPoolStore, "Lost data"), so an empty seed from a writer cannot shrink the pool.
 *
 * The change stamp ts is this process's clock made strictly increasing (as the store's nextStamp);
 * pool_apply.lua compares stamps only when a journal is replayed.
 */
/** A {@link PoolWriter} on one Redis connection. Thread-safe. */
public final class RedisPoolWriter extends NodeWrites implements PoolWriter {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolWriter.class);
  private static final LuaScript APPLY = LuaScript.fromResource(RedisPoolStore.class, "pool_apply.lua");
  private static final LuaScript SEED = LuaScript.fromResource(RedisPoolStore.class, "pool_seed.lua");
  private static final String[] EMPTY_SEED = {"0", "0", "0"};

  private final String poolName;
  private final RedisConnection connection;
  private final boolean ownsConnection;
  private final TimeSource time;
  private final String[] applyKeys;
  private final String[] seedKeys;
  private final String channel;
  private final Duration writeTimeout;
  private final AtomicLong lastStamp = new AtomicLong();
  private volatile boolean closed;

  /**
   * Creates a writer on a connection.
   *
   * @param poolName the pool's name (checked by the caller)
   * @param connection the connection
   * @param ownsConnection whether {@link #close()} closes it
   * @param time the clock of change stamps
   */
  public RedisPoolWriter(String poolName, RedisConnection connection, boolean ownsConnection, TimeSource time) {
    this.poolName = Objects.requireNonNull(poolName, "poolName");
    this.connection = Objects.requireNonNull(connection, "connection");
    this.ownsConnection = ownsConnection;
    this.time = Objects.requireNonNull(time, "time");
    String prefix = RedisPoolStore.keyPrefix(poolName);
    this.applyKeys = new String[] {
      prefix + "nodes", prefix + "state", prefix + "abtests", prefix + "rev", prefix + "updated",
      prefix + "heartbeats", prefix + "settings"
    };
    this.seedKeys = new String[] {
      applyKeys[0], applyKeys[1], applyKeys[2], applyKeys[3], applyKeys[4], applyKeys[5], prefix + "epoch"
    };
    this.channel = prefix + "events";
    long cmd = connection.options().commandTimeout().toMillis();
    this.writeTimeout = Duration.ofMillis(Math.max(1000, 4 * cmd));
  }

  /**
   * Opens a writer on the shared connection of a backend; the writer gives its handle back on close.
   * Waits up to the connect timeout for the first connection; if Redis is not reachable the writer is
   * returned anyway, its writes fail until the connection (retried in the background) is made.
   *
   * @param backend the Redis backend
   * @param poolName the pool's name (checked by the caller)
   * @return the writer
   */
  public static RedisPoolWriter open(RedisBackend backend, String poolName) {
    RedisConnection c = RedisConnection.open(backend, "pool-writer-" + poolName);
    return new RedisPoolWriter(poolName, c, true, TimeSource.system());
  }

  // ------------------------------------------------------------------------------------------------ writes

  @Override
  long heartbeatMicros() {
    return time.currentTimeMicros();
  }

  @Override
  CompletionStage<Boolean> write(PoolChange change) {
    if (closed) {
      throw new IllegalStateException("pool writer '" + poolName + "' is closed");
    }
    String[] args = {channel, "live", change.op(), change.id(), change.a(), change.b(), Long.toString(nextStamp())};
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    apply(change, args, true, result);
    return result;
  }

  /** One pool_apply.lua call; a LOST answer creates the pool (once) and sends the change again. */
  private void apply(PoolChange change, String[] args, boolean seedIfLost, CompletableFuture<Boolean> result) {
    connection.<List<Object>>eval(APPLY, ScriptOutputType.MULTI, applyKeys, args).whenComplete((out, err) -> {
      if (err != null) {
        result.completeExceptionally(failed(change, err));
      } else if (out != null && !out.isEmpty() && "LOST".equals(out.get(0))) {
        if (seedIfLost) {
          createPool(change, args, result);
        } else {
          result.completeExceptionally(new WriteFailedException(
              "pool '" + poolName + "' is still missing in Redis after it was created", null));
        }
      } else if (out == null || out.size() < 2) {
        result.completeExceptionally(new WriteFailedException(
            "pool '" + poolName + "': pool_apply.lua answered " + out + " to " + change.op(), null));
      } else {
        result.complete(((Number) out.get(1)).intValue() == 1);
      }
    });
  }

  private void createPool(PoolChange change, String[] args, CompletableFuture<Boolean> result) {
    String[] seedArgs = {channel, EMPTY_SEED[0], EMPTY_SEED[1], EMPTY_SEED[2]};
    connection.<Long>eval(SEED, ScriptOutputType.INTEGER, seedKeys, seedArgs).whenComplete((rev, err) -> {
      if (err != null) {
        result.completeExceptionally(failed(change, err));
        return;
      }
      if (rev != null && rev != 0L) {
        LOG.info("pool '{}': the pool was missing in Redis; a decoder node's writer created it (empty)", poolName);
      }
      apply(change, args, false, result);
    });
  }

  private WriteFailedException failed(PoolChange change, Throwable err) {
    Throwable cause = RedisConnection.unwrap(err);
    return new WriteFailedException("pool '" + poolName + "': Redis did not take the change (" + change.op()
        + " " + change.id() + "): " + cause, cause);
  }

  private long nextStamp() {
    long now = time.currentTimeMicros();
    return lastStamp.updateAndGet(last -> Math.max(now, last + 1));
  }

  @Override
  <T> T await(CompletionStage<T> stage, String operation) {
    try {
      return stage.toCompletableFuture().get(writeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new PoolWriteTimeoutException(poolName, operation, writeTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("pool writer '" + poolName + "': interrupted while waiting for " + operation,
          e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new WriteFailedException("pool '" + poolName + "': " + operation + " failed: " + cause, cause);
    }
  }

  // -------------------------------------------------------------------------------------------- the rest

  @Override
  public String poolName() {
    return poolName;
  }

  @Override
  public Duration writeTimeout() {
    return writeTimeout;
  }

  @Override
  public boolean isConnected() {
    return connection.isConnected();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ownsConnection) {
      connection.close();
    }
  }

  @Override
  public String toString() {
    return "RedisPoolWriter[" + poolName + ", " + connection + (closed ? ", closed" : "") + "]";
  }
}
