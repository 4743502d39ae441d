package io.github.switchboard.ratelimit.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.core.internal.FailoverGuard;
import io.github.switchboard.core.internal.RedisConnection;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.ClockSource;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.FallbackMode;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.ResetFailedException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/*
 * Redis behind a FailoverGuard (resilience4j circuit breaker). Closed: each call is one EVALSHA; a failure
 * or timeout is answered by the fallback for that call. Open: straight to the fallback. The guard never
 * lets a Redis exception through, and the sync path waits at most about twice the command timeout.
 *
 * Fallbacks, every answer marked degraded():
 *   LOCAL - an in-memory limiter with the policy divided by expectedInstances (counts rounded down, at
 *           least 1); permits are still checked against the full policy, and a request above a divided
 *           count is denied by that limit with retry-after = its window. FallbackCarry seeds it with this
 *           instance's share of the usage Redis last reported for a client, and carries what it granted
 *           back to Redis when Redis answers again (before the client's next decision on Redis).
 *   ALLOW - allowed; reports the most restrictive limit (smallest count) with remaining = count - permits
 *           and reset-after 0 (nothing is known).
 *   DENY  - denied; reports the most restrictive limit with remaining 0 and retry-after = reset-after =
 *           min(its window, the breaker's wait in the open state).
 *
 * Hot path: the call context is one small object; the functions handed to the guard are static and
 * non-capturing.
 */
/** A Redis rate limiter with a circuit-breaker guarded fallback. */
public final class GuardedRateLimiter implements RateLimiter {
  /**
   * The most clients whose Redis usage is remembered for the LOCAL fallback, and the most whose fallback
   * grants wait to be carried back to Redis (each bound on its own; lower when maximumKeys is).
   */
  public static final int MAX_CARRIED = 100_000;

  private static final Function<Call, CompletionStage<List<Object>>> ACQUIRE = Call::acquire;
  private static final FailoverGuard.BlockingCall<Call, List<Object>> ACQUIRE_BLOCKING = Call::acquireBlocking;
  private static final BiFunction<Call, List<Object>, Decision> DECODE = Call::decode;
  private static final Function<Call, Decision> ACQUIRE_FALLBACK = GuardedRateLimiter::acquireFallback;
  private static final Function<Call, CompletionStage<ClientStats>> STATS = GuardedRateLimiter::statsOnRedis;
  private static final Function<Call, ClientStats> STATS_FALLBACK = GuardedRateLimiter::statsFallback;
  private static final Function<Call, CompletionStage<Long>> RESET = GuardedRateLimiter::resetOnRedis;
  private static final Function<Call, Long> RESET_FALLBACK = GuardedRateLimiter::resetFallback;

  private static Decision acquireFallback(Call c) {
    return c.self.fallbackDecision(c.key, c.permits);
  }

  private static CompletionStage<ClientStats> statsOnRedis(Call c) {
    return c.self.bounded(c.self.redis.stats(c.key));
  }

  private static ClientStats statsFallback(Call c) {
    return c.self.fallbackStats(c.key);
  }

  private static CompletionStage<Long> resetOnRedis(Call c) {
    return c.self.bounded(c.self.redis.reset(c.key));
  }

  private static Long resetFallback(Call c) {
    return -1L;
  }

  private static final class Call {
    final GuardedRateLimiter self;
    final String key;
    /** The Redis state key of an acquire (made while checking the key); the key itself otherwise. */
    final String stateKey;
    final long permits;
    /** The client clock read before the request was sent (with the deny cache only). */
    final long sent;

    Call(GuardedRateLimiter self, String key, String stateKey, long permits, long sent) {
      this.self = self;
      this.key = key;
      this.stateKey = stateKey;
      this.permits = permits;
      this.sent = sent;
    }

    /** The decision on Redis, after the carry of the client's fallback grants if one waits. */
    CompletionStage<List<Object>> acquire() {
      FallbackCarry carry = self.carry;
      CompletionStage<?> before = carry == null ? null : carry.beforeRedis(key);
      if (before == null) {
        return self.bounded(self.redis.evalAcquire(stateKey, permits));
      }
      return self.bounded(before.thenCompose(v -> self.redis.evalAcquire(stateKey, permits)));
    }

    List<Object> acquireBlocking(long waitNanos) throws Exception {
      FallbackCarry carry = self.carry;
      CompletionStage<?> before = carry == null ? null : carry.beforeRedis(key);
      if (before != null) {
        before.toCompletableFuture().get(waitNanos, TimeUnit.NANOSECONDS);
      }
      return self.redis.evalAcquireBlocking(stateKey, permits, waitNanos);
    }

    Decision decode(List<Object> reply) {
      Decision d = self.redis.decodeDecision(reply);
      DenyCache cache = self.denyCache;
      if (cache != null && !d.allowed()) {
        cache.record(stateKey, permits, sent, d);
      }
      FallbackCarry carry = self.carry;
      if (carry != null) {
        carry.seen(key, reply);
        carry.afterRedis();
      }
      return d;
    }
  }

  private final RateLimitPolicy policy;
  private final Limits limits;
  private final RedisConnection connection;
  private final RedisRateLimiter redis;
  private final FailoverGuard guard;
  private final FallbackMode mode;
  private final @Nullable InMemoryRateLimiter local;
  /** LOCAL only: seeds the fallback from Redis's last usage and carries its grants back. */
  private final @Nullable FallbackCarry carry;
  private final long maxPermits;
  private final int restrictive;
  private final long denyRetryMicros;
  private final @Nullable DenyCache denyCache;
  private final String name;
  private final boolean ownsConnection;
  private final String prefix;
  private final ClockSource clock;
  private final TimeSource time;
  private final int expectedInstances;
  private final long maximumKeys;
  private final boolean coalescing;
  /** The deadline of an async call on a user-supplied connection (ours have Lettuce's); 0: none. */
  private final long asyncDeadlineNanos;
  private volatile boolean closed;

  /**
   * Creates the guarded limiter.
   *
   * @param name the limiter's name (logs, listeners, the breaker {@code "switchboard-" + name})
   * @param policy the policy
   * @param connection the Redis connection; closed by {@link #close()} (which closes only what it opened)
   * @param prefix the key prefix
   * @param clock whose clock the scripts use
   * @param time the client clock (for {@link ClockSource#CLIENT} and the LOCAL fallback)
   * @param mode the fallback
   * @param expectedInstances the divisor of the LOCAL fallback's counts
   * @param breakerConfig the circuit breaker's configuration
   * @param breakerRegistry where to create the breaker, or null for none
   * @param localDenyCache whether to answer clients that Redis has just denied without Redis
   * @param maximumKeys the most keys held in memory (the LOCAL fallback, the deny cache)
   * @param userConnection whether the connection was handed in by the user: its async calls then get
   *     the command timeout of the options as a deadline here, since its own may be longer
   * @param coalescing whether concurrent decisions go together in one script call
   * @param listeners told of every move between Redis and the fallback
   */
  public GuardedRateLimiter(
      String name,
      RateLimitPolicy policy,
      RedisConnection connection,
      String prefix,
      ClockSource clock,
      TimeSource time,
      FallbackMode mode,
      int expectedInstances,
      CircuitBreakerConfig breakerConfig,
      @Nullable CircuitBreakerRegistry breakerRegistry,
      boolean localDenyCache,
      long maximumKeys,
      boolean userConnection,
      boolean coalescing,
      List<BackendListener> listeners) {
    this(
        name,
        policy,
        connection,
        true,
        newGuard(name, breakerConfig, connection, breakerRegistry, listeners),
        prefix,
        clock,
        time,
        mode,
        expectedInstances,
        localDenyCache,
        maximumKeys,
        userConnection,
        coalescing,
        null);
  }

  private static FailoverGuard newGuard(
      String name,
      CircuitBreakerConfig breakerConfig,
      RedisConnection connection,
      @Nullable CircuitBreakerRegistry breakerRegistry,
      List<BackendListener> listeners) {
    FailoverGuard guard =
        new FailoverGuard(name, breakerConfig, connection.options().commandTimeout(), breakerRegistry);
    for (BackendListener l : listeners) {
      guard.addListener(l);
    }
    return guard;
  }

  /**
   * Creates a limiter of another policy on the connection, breaker and coalescing lanes of this one (a
   * plan's limiter): it shares them, and closing it closes none of them.
   *
   * @param policy the plan's policy
   * @return the limiter
   */
  public GuardedRateLimiter sibling(RateLimitPolicy policy) {
    return new GuardedRateLimiter(
        name, policy, connection, false, guard, prefix, clock, time, mode, expectedInstances,
        denyCache != null, maximumKeys, asyncDeadlineNanos != 0, coalescing, redis);
  }

  private GuardedRateLimiter(
      String name,
      RateLimitPolicy policy,
      RedisConnection connection,
      boolean ownsConnection,
      FailoverGuard guard,
      String prefix,
      ClockSource clock,
      TimeSource time,
      FallbackMode mode,
      int expectedInstances,
      boolean localDenyCache,
      long maximumKeys,
      boolean userConnection,
      boolean coalescing,
      @Nullable RedisRateLimiter beside) {
    this.name = Objects.requireNonNull(name, "name");
    this.asyncDeadlineNanos = userConnection ? connection.options().commandTimeout().toNanos() : 0;
    this.policy = Objects.requireNonNull(policy, "policy");
    this.limits = new Limits(policy);
    this.connection = Objects.requireNonNull(connection, "connection");
    this.ownsConnection = ownsConnection;
    this.prefix = prefix;
    this.clock = clock;
    this.time = time;
    this.expectedInstances = expectedInstances;
    this.maximumKeys = maximumKeys;
    this.coalescing = coalescing;
    this.redis = new RedisRateLimiter(connection, policy, prefix, clock, time, coalescing, beside);
    this.guard = guard;
    this.mode = Objects.requireNonNull(mode, "mode");
    this.local =
        mode == FallbackMode.LOCAL
            ? new InMemoryRateLimiter(
                policy, policy.dividedBy(expectedInstances), time, true, maximumKeys, name)
            : null;
    this.carry =
        local == null
            ? null
            : new FallbackCarry(
                name,
                limits,
                new Limits(policy.dividedBy(expectedInstances)),
                expectedInstances,
                local,
                redis,
                clock,
                time,
                (int) Math.min(maximumKeys, MAX_CARRIED));
    this.maxPermits = Keys.maxPermits(policy);
    this.restrictive = limits.smallestCountIndex();
    long openWaitMicros =
        guard.circuitBreaker().getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1) * 1000L;
    this.denyRetryMicros = Math.max(1, Math.min(limits.windows[restrictive], openWaitMicros));
    this.denyCache =
        localDenyCache ? new DenyCache(time, (int) Math.min(Integer.MAX_VALUE, maximumKeys)) : null;
  }

  /*
   * The deny cache answers only while the breaker is closed: while it probes (half-open), every call is
   * one of the few that tell whether Redis is back, and a client Redis denied during the probe (for
   * example after the fallback's grants were carried back) would otherwise be answered locally until its
   * retry-after, leaving the breaker half-open, and every other client on the fallback, for that long.
   */
  @Override
  public Decision tryAcquire(String key, long permits) {
    String stateKey = redis.checkedStateKey(key); // checks the key as Keys.checkKey does
    Keys.checkPermits(permits, maxPermits);
    ensureOpen();
    DenyCache cache = denyCache;
    long sent = 0;
    if (cache != null && guard.state() == BackendState.PRIMARY) {
      Decision cached = cache.lookup(stateKey, permits);
      if (cached != null) {
        return cached;
      }
      sent = cache.now();
    }
    return guard.executeBlocking(
        new Call(this, key, stateKey, permits, sent), ACQUIRE_BLOCKING, DECODE, ACQUIRE_FALLBACK);
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
    String stateKey = redis.checkedStateKey(key); // checks the key as Keys.checkKey does
    Keys.checkPermits(permits, maxPermits);
    ensureOpen();
    DenyCache cache = denyCache;
    long sent = 0;
    if (cache != null && guard.state() == BackendState.PRIMARY) {
      Decision cached = cache.lookup(stateKey, permits);
      if (cached != null) {
        return CompletableFuture.completedFuture(cached);
      }
      sent = cache.now();
    }
    return guard.execute(
        new Call(this, key, stateKey, permits, sent), ACQUIRE, DECODE, ACQUIRE_FALLBACK);
  }

  @Override
  public ClientStats stats(String key) {
    Keys.checkKey(key);
    ensureOpen();
    ClientStats s = guard.executeSync(new Call(this, key, key, 0, 0), STATS, STATS_FALLBACK);
    DenyCache cache = denyCache;
    return cache == null || s.degraded() ? s : s.withLocalDenials(cache.hits(redis.checkedStateKey(key)));
  }

  @Override
  public void reset(String key) {
    Keys.checkKey(key);
    ensureOpen();
    if (local != null) {
      local.forget(key);
    }
    if (carry != null) {
      carry.forget(key);
    }
    if (denyCache != null) {
      denyCache.forget(redis.checkedStateKey(key));
    }
    Long deleted = guard.executeSync(new Call(this, key, key, 0, 0), RESET, RESET_FALLBACK);
    if (deleted < 0) {
      throw new ResetFailedException(
          "'"
              + name
              + "': Redis did not take the reset of a client ("
              + (guard.state() == BackendState.FALLBACK
                  ? "it is failing, the circuit breaker holds calls off"
                  : "no answer within the timeout, or an error")
              + "); this instance's state of the client was cleared, Redis's was not: try again once"
              + " Redis answers",
          null);
    }
  }

  /*
   * A user-supplied connection keeps the user's own command timeout (Lettuce's default is 60 s), so its
   * calls get ours here: the same deadline as on a connection the limiter opened. Sync calls are bounded
   * by the guard already; this bounds the async ones (a timed-out call counts as a Redis failure and is
   * answered by the fallback).
   */
  private <T> CompletionStage<T> bounded(CompletionStage<T> stage) {
    long deadline = asyncDeadlineNanos;
    return deadline == 0
        ? stage
        : stage.toCompletableFuture().orTimeout(deadline, TimeUnit.NANOSECONDS);
  }

  private Decision fallbackDecision(String key, long permits) {
    switch (mode) {
      case LOCAL:
        FallbackCarry c = Objects.requireNonNull(carry);
        c.beforeFallback(key);
        Decision d = Objects.requireNonNull(local).acquire(key, permits);
        c.afterFallback(key, d);
        return d;
      case ALLOW:
        return Decisions.trusted(
            true,
            limits.counts[restrictive],
            limits.counts[restrictive] - permits,
            0,
            0,
            limits.windows[restrictive],
            true);
      case DENY:
      default:
        return Decisions.trusted(
            false,
            limits.counts[restrictive],
            0,
            denyRetryMicros,
            denyRetryMicros,
            limits.windows[restrictive],
            true);
    }
  }

  private ClientStats fallbackStats(String key) {
    if (local != null) {
      return local.statsOf(key);
    }
    int n = limits.size;
    long[] used = new long[n];
    long[] remaining = new long[n];
    long[] reset = new long[n];
    for (int i = 0; i < n; i++) {
      boolean deny = mode == FallbackMode.DENY;
      used[i] = deny ? limits.counts[i] : 0;
      remaining[i] = deny ? 0 : limits.counts[i];
      reset[i] = deny ? denyRetryMicros : 0;
    }
    return limits.stats(used, remaining, reset, true);
  }

  @Override
  public RateLimitPolicy policy() {
    return policy;
  }

  @Override
  public BackendState backendState() {
    return guard.state();
  }

  /**
   * Returns the guard, for metrics and tests.
   *
   * @return the failover guard
   */
  public FailoverGuard guard() {
    return guard;
  }

  /**
   * Returns how many calls the local deny cache answered without Redis, in all.
   *
   * @return the count; 0 without the cache
   */
  public long localDenials() {
    DenyCache cache = denyCache;
    return cache == null ? 0 : cache.answered();
  }

  /**
   * Returns the unguarded Redis limiter.
   *
   * @return the Redis limiter
   */
  public RedisRateLimiter redis() {
    return redis;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the rate limiter is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (ownsConnection) {
        connection.close();
      }
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  @Override
  public String toString() {
    return "GuardedRateLimiter[" + policy + ", " + connection + ", fallback=" + mode + "]";
  }
}
