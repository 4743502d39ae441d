package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.LuaScript;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.ClockSource;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimiter;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * What a LOCAL fallback grants is carried back to Redis when Redis answers again, so that an empty restart
 * does not forget it; and the fallback starts from what Redis last reported, so that the move to the
 * fallback does not grant the limit twice. Both for one GuardedRateLimiter (one policy) in LOCAL mode.
 *
 * Seed. While Redis answers, the usage it reports for a client at or above a tenth of its most restrictive
 * limit is remembered (UsageMemo). The fallback's first decision on such a client seeds the local limiter
 * with ceil(usage / expectedInstances) permits granted at that moment (every instance seeds its own share,
 * so together they hold the usage once; placed at that moment, they leave the window no earlier than the
 * real ones did).
 *
 * Carry. A client is carried when it was seeded or when the fallback granted it at least a tenth of a
 * divided limit (a client below that can gain at most that tenth: an invented key with one request costs
 * nothing here). When Redis answers again, a decision on a client waiting to be carried first carries it
 * (a sync call waits for that, an async one is chained on it), and the first successful decision starts
 * carrying all the others in the background, BATCH clients per script call (one on a Cluster), one call
 * at a time. carry.lua adds per limit either everything the local limiter holds for the client (Redis has
 * no state for it: an empty restart) or only what the fallback granted itself (Redis kept its state: a
 * pause), the seed's share still counted at that moment subtracted (computed with the very arithmetic of
 * the local limiter on a scratch state). After a carry, the local state of the client is dropped and
 * Redis's usage after the carry is remembered, so that a later fallback starts from it again.
 *
 * Bounds and costs: at most `bound` clients wait to be carried; past that, the fallback still decides but
 * what it grants to the others is not carried (counted, WARN once per return to Redis). A decision on
 * Redis costs one comparison when no client waits, and a map look-up while some do; a carry costs one
 * script call per BATCH clients, each a few commands in Redis. A fallback decision on a client while its
 * carry is in flight (one round trip) may be missed.
 */
/** Seeds the LOCAL fallback from Redis's last usage and carries its grants back when Redis returns. */
final class FallbackCarry {
  private static final Logger LOG = LoggerFactory.getLogger(FallbackCarry.class);
  /** Clients per carry call on a standalone or Sentinel Redis. */
  static final int BATCH = 128;
  /** A client is remembered or carried from 1/WORTH of a limit on. */
  static final long WORTH = 10;
  /** The suffix of a client's carry marker, after its state key (same slot). */
  static final String MARKER = ":carried";
  private static final AtomicLong TOKENS = new AtomicLong();

  static final LuaScript SCRIPT =
      LuaScript.fromResources(FallbackCarry.class, "carry.lua", "helpers.lua", "clock.lua", "carry.lua");

  /** A client waiting to be carried: since when, and the seed it was given (0 permits: none). */
  static final class Pending {
    /** Names its carry in Redis, so that one sent again after a lost reply is applied once. */
    final long token = TOKENS.incrementAndGet();
    final long since;
    final long seedPermits;
    /** The carry in flight for it, or null. Guarded by this. */
    @Nullable CompletableFuture<Void> inFlight;

    Pending(long since, long seedPermits) {
      this.since = since;
      this.seedPermits = seedPermits;
    }
  }

  private final String name;
  private final Limits limits;
  private final Limits divided;
  private final int instances;
  private final InMemoryRateLimiter local;
  private final RedisConnection connection;
  private final RedisRateLimiter redis;
  private final ClockSource clock;
  private final TimeSource time;
  private final String algorithm;
  private final int bound;
  private final long smallestDividedCount;
  private final long restrictiveCount;
  private final long memoSpan;
  private final UsageMemo memo;
  /** The most permits carried per client and limit (a log: one member each, so at most 10,000). */
  private final long maxCarried;
  /** Clients per carry call: BATCH, or 1 on a Cluster (one slot per call) and for a log. */
  private final int batch;
  /** Names this limiter's carries in Redis (with each client's token). */
  private final String run;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicBoolean running = new AtomicBoolean();
  private final LongAdder dropped = new LongAdder();

  FallbackCarry(
      String name,
      Limits limits,
      Limits divided,
      int instances,
      InMemoryRateLimiter local,
      RedisRateLimiter redis,
      ClockSource clock,
      TimeSource time,
      int bound) {
    this.name = name;
    this.limits = limits;
    this.divided = divided;
    this.instances = instances;
    this.local = local;
    this.redis = redis;
    this.connection = redis.connection();
    this.clock = clock;
    this.time = time;
    this.algorithm = RedisRateLimiter.suffixFor(limits.policy.algorithm()).substring(1);
    this.bound = bound;
    long smallest = Long.MAX_VALUE;
    for (long c : divided.counts) {
      smallest = Math.min(smallest, c);
    }
    this.smallestDividedCount = smallest;
    this.restrictiveCount = limits.counts[limits.smallestCountIndex()];
    // a sliding-window counter's bucket counts for two windows
    this.memoSpan = 2 * limits.maxWindow;
    this.memo = new UsageMemo(bound, name);
    boolean log = limits.policy.algorithm() == Algorithm.SLIDING_WINDOW_LOG;
    this.maxCarried = log ? RateLimiter.MAX_LOG_PERMITS : Long.MAX_VALUE;
    this.batch = log || redis.connection().isCluster() ? 1 : BATCH;
    this.run = "c:" + Long.toHexString(new SplittableRandom().nextLong()) + ":";
  }

  /*
   * Redis's reply to a decision: {allowed, now, (used, remaining, resetAfter, retryAfter) per limit}. The
   * usage remembered is the smallest used over the limits (never more than any limit holds), until the
   * longest reset-after has passed.
   */
  /** Remembers the usage of a decision Redis answered (called on every one: cheap below a tenth). */
  void seen(String key, List<Object> reply) {
    int n = limits.size;
    long used = (Long) reply.get(2);
    long reset = (Long) reply.get(4);
    for (int i = 1; i < n; i++) {
      used = Math.min(used, (Long) reply.get(2 + 4 * i));
      reset = Math.max(reset, (Long) reply.get(4 + 4 * i));
    }
    if (used * WORTH < restrictiveCount) {
      return;
    }
    long now = time.currentTimeMicros();
    memo.record(key, used, now + reset, now);
  }

  /** Before a fallback decision: seeds the local limiter from the remembered usage, once per outage. */
  void beforeFallback(String key) {
    if (pending.get(key) != null || !memo.has(key)) {
      return;
    }
    pending.computeIfAbsent(key, this::seed);
  }

  private @Nullable Pending seed(String key) {
    UsageMemo.Usage u = memo.take(key);
    long now = time.currentTimeMicros();
    if (u == null || u.until <= now || !admit()) {
      return null;
    }
    long share = Math.min(-Math.floorDiv(-u.permits, instances), smallestDividedCount);
    boolean seeded = share > 0 && local.acquire(key, share).allowed();
    return new Pending(now, seeded ? share : 0);
  }

  /** After a fallback decision: marks the client to be carried if it was granted enough. */
  void afterFallback(String key, Decision d) {
    if (d.allowed()
        && (d.limit() - d.remaining()) * WORTH >= d.limit()
        && pending.get(key) == null
        && admit()) {
      if (pending.putIfAbsent(key, new Pending(time.currentTimeMicros(), 0)) != null) {
        waiting.decrementAndGet();
      }
    }
  }

  /** Counts one more waiting client if the bound allows it. */
  private boolean admit() {
    if (waiting.incrementAndGet() > bound) {
      waiting.decrementAndGet();
      dropped.increment();
      return false;
    }
    return true;
  }

  /**
   * Before a decision on Redis: the carry of the client if it waits for one (in flight or started now),
   * else null.
   */
  @Nullable CompletionStage<?> beforeRedis(String key) {
    if (waiting.get() == 0) {
      return null;
    }
    Pending p = pending.get(key);
    if (p == null) {
      return null;
    }
    synchronized (p) {
      if (p.inFlight != null) {
        return p.inFlight;
      }
    }
    List<String> keys = new ArrayList<>(1);
    List<Pending> entries = new ArrayList<>(1);
    if (!claim(key, p, keys, entries)) {
      synchronized (p) {
        return p.inFlight;
      }
    }
    return send(keys, entries);
  }

  /** After a decision Redis answered: starts carrying every waiting client, unless that runs already. */
  void afterRedis() {
    if (waiting.get() != 0 && running.compareAndSet(false, true)) {
      long dropped = this.dropped.sumThenReset();
      if (dropped > 0) {
        LOG.warn(
            "'{}': the fallback's grants to {} clients are not carried to Redis: at most {} clients wait"
                + " to be carried",
            name,
            dropped,
            bound);
      }
      LOG.info("'{}': carrying what the fallback granted to {} clients back to Redis", name, waiting.get());
      next(System.nanoTime(), 0, 0);
    }
  }

  /** Sends the next batch of unclaimed clients; ends the run when none is left or a call fails. */
  private void next(long started, long carried, long lost) {
    int max = batch;
    List<String> keys = new ArrayList<>();
    List<Pending> entries = new ArrayList<>();
    for (Map.Entry<String, Pending> e : pending.entrySet()) {
      if (keys.size() >= max) {
        break;
      }
      claim(e.getKey(), e.getValue(), keys, entries);
    }
    if (keys.isEmpty()) {
      running.set(false);
      LOG.info(
          "'{}': carried what the fallback granted to {} clients back to Redis in {} ms ({} of them"
              + " lost by Redis)",
          name,
          carried,
          (System.nanoTime() - started) / 1_000_000,
          lost);
      return;
    }
    send(keys, entries)
        .whenComplete(
            (v, error) -> {
              if (error != null) {
                running.set(false);
                LOG.warn(
                    "'{}': carrying the fallback's grants back to Redis stopped ({}); the rest is carried"
                        + " when Redis answers again",
                    name,
                    RedisConnection.unwrap(error).toString());
              } else {
                next(started, carried + keys.size(), lost + v);
              }
            });
  }

  /** Claims a client for a carry; false if another carry has it. */
  private static boolean claim(String key, Pending p, List<String> keys, List<Pending> entries) {
    synchronized (p) {
      if (p.inFlight != null) {
        return false;
      }
      p.inFlight = new CompletableFuture<>();
    }
    keys.add(key);
    entries.add(p);
    return true;
  }

  /** One script call carrying the claimed clients; completes each one's future; yields how many Redis lost. */
  private CompletionStage<Integer> send(List<String> keys, List<Pending> entries) {
    int m = keys.size();
    int size = limits.size;
    long now = time.currentTimeMicros();
    String[] stateKeys = new String[2 * m];
    String[] args = new String[3 + 2 * size + (2 + 2 * size) * m];
    args[0] = algorithm;
    args[1] = clock == ClockSource.CLIENT ? Long.toString(now) : RedisRateLimiter.REDIS_TIME;
    args[2] = Integer.toString(size);
    for (int i = 0; i < size; i++) {
      args[3 + 2 * i] = Long.toString(limits.counts[i]);
      args[4 + 2 * i] = Long.toString(limits.windows[i]);
    }
    long[] used = new long[size];
    long[] seedUsed = new long[size];
    long[] scratch = new long[size];
    for (int j = 0; j < m; j++) {
      String stateKey = redis.checkedStateKey(keys.get(j));
      stateKeys[2 * j] = stateKey;
      stateKeys[2 * j + 1] = stateKey + MARKER;
      ClientStats s = local.statsOf(keys.get(j));
      for (int i = 0; i < size; i++) {
        used[i] = s.limits().get(i).used();
        seedUsed[i] = 0;
      }
      Pending p = entries.get(j);
      if (p.seedPermits > 0) {
        KeyState seed = KeyState.create(keys.get(j), divided);
        seed.acquire(p.since, p.seedPermits, true, false);
        seed.statsInto(now, seedUsed, scratch, scratch);
      }
      int at = 3 + 2 * size + (2 + 2 * size) * j;
      args[at] = run + p.token;
      args[at + 1] = Long.toString(Math.max(0, now - p.since));
      for (int i = 0; i < size; i++) {
        args[at + 2 + 2 * i] = Long.toString(Math.min(used[i], maxCarried));
        args[at + 3 + 2 * i] = Long.toString(Math.min(Math.max(0, used[i] - seedUsed[i]), maxCarried));
      }
    }
    CompletionStage<List<Object>> reply;
    try {
      reply = connection.eval(SCRIPT, ScriptOutputType.MULTI, stateKeys, args);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    return reply.handle(
        (r, error) -> {
          if (error != null || r == null) {
            Throwable failure = error != null ? error : new IllegalStateException("no reply");
            for (Pending p : entries) {
              CompletableFuture<Void> f;
              synchronized (p) {
                f = p.inFlight;
                p.inFlight = null;
              }
              if (f != null) {
                f.completeExceptionally(failure);
              }
            }
            throw new CompletionException(failure);
          }
          return done(keys, entries, r, now);
        });
  }

  /** After a carry: drops each client's local state, remembers Redis's usage, and ends its wait. */
  private int done(List<String> keys, List<Pending> entries, List<Object> reply, long now) {
    int size = limits.size;
    int lost = 0;
    for (int j = 0; j < keys.size(); j++) {
      String key = keys.get(j);
      Pending p = entries.get(j);
      int at = j * (1 + size);
      lost += ((Long) reply.get(at)) == 1L ? 1 : 0;
      long used = Long.MAX_VALUE;
      for (int i = 0; i < size; i++) {
        used = Math.min(used, (Long) reply.get(at + 1 + i));
      }
      final long u = used;
      pending.computeIfPresent(
          key,
          (k, cur) -> {
            if (cur != p) {
              return cur;
            }
            local.forget(k);
            if (u * WORTH >= restrictiveCount) {
              memo.record(k, u, now + memoSpan, now);
            }
            waiting.decrementAndGet();
            return null;
          });
      CompletableFuture<Void> f;
      synchronized (p) {
        f = p.inFlight;
      }
      if (f != null) {
        f.complete(null);
      }
    }
    return lost;
  }

  /** Forgets a client (a reset): no seed, nothing carried. */
  void forget(String key) {
    memo.forget(key);
    if (pending.remove(key) != null) {
      waiting.decrementAndGet();
    }
  }
}
