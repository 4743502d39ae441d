package io.github.switchboard.benchmarks;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.util.concurrent.CompletionStage;

/*
 * Switchboard through its public API only, as a user builds it: RateLimiters.builder(policy), with
 * .redis(RedisTarget) for the Redis-backed types (the library opens and owns its connection; the default
 * LOCAL fallback, Redis's own clock, the guarded path a user gets). A decision counts as granted only if it
 * is allowed and not degraded: a degraded decision came from the fallback, not from Redis.
 */
/** Switchboard's rate limiter, in memory or on Redis. */
final class SwitchboardLimiter implements Limiter {
  /** The key prefix, shared with {@link RawEvalSha} so that both touch the same keys. */
  static final String PREFIX = "switchboard:rl:";

  private final RateLimiter limiter;
  private final String[] keys;
  private final boolean verdictOnly;

  private SwitchboardLimiter(RateLimiter limiter, String[] keys, boolean verdictOnly) {
    this.limiter = limiter;
    this.keys = keys;
    this.verdictOnly = verdictOnly;
  }

  static SwitchboardLimiter inMemory(Algorithm algorithm, String[] keys) {
    return new SwitchboardLimiter(
        RateLimiters.builder(BenchmarkPolicy.switchboard(algorithm)).build(), keys, false);
  }

  /** In memory, deciding with {@code RateLimiter.allow} (the verdict alone, no Decision built). */
  static SwitchboardLimiter inMemoryVerdict(Algorithm algorithm, String[] keys) {
    return new SwitchboardLimiter(
        RateLimiters.builder(BenchmarkPolicy.switchboard(algorithm)).build(), keys, true);
  }

  static SwitchboardLimiter onRedis(Algorithm algorithm, String[] keys, RedisFixture redis) {
    RateLimiter limiter =
        RateLimiters.builder(BenchmarkPolicy.switchboard(algorithm))
            .redis(RedisTarget.parse(redis.url()))
            .keyPrefix(PREFIX)
            .build();
    return new SwitchboardLimiter(limiter, keys, false);
  }

  /** On Redis with coalescing and the local deny cache off: one script call per decision. */
  static SwitchboardLimiter onRedisUncoalesced(Algorithm algorithm, String[] keys, RedisFixture redis) {
    RateLimiter limiter =
        RateLimiters.builder(BenchmarkPolicy.switchboard(algorithm))
            .redis(RedisTarget.parse(redis.url()))
            .keyPrefix(PREFIX)
            .coalescing(false)
            .localDenyCache(false)
            .build();
    return new SwitchboardLimiter(limiter, keys, false);
  }

  /** On Redis with no blocking connections: sync decisions through the shared connection, coalesced. */
  static SwitchboardLimiter onRedisSharedConnection(Algorithm algorithm, String[] keys, RedisFixture redis) {
    RateLimiter limiter =
        RateLimiters.builder(BenchmarkPolicy.switchboard(algorithm))
            .redis(RedisTarget.parse(redis.url()))
            .redisOptions(RedisOptions.builder().syncConnections(0).build())
            .keyPrefix(PREFIX)
            .build();
    return new SwitchboardLimiter(limiter, keys, false);
  }

  @Override
  public boolean tryAcquire(int key) {
    if (verdictOnly) {
      return limiter.allow(keys[key]);
    }
    Decision d = limiter.tryAcquire(keys[key]);
    return d.allowed() && !d.degraded();
  }

  @Override
  public CompletionStage<?> tryAcquireAsync(int key) {
    return limiter.tryAcquireAsync(keys[key], 1);
  }

  @Override
  public boolean granted(Object result) {
    Decision d = (Decision) result;
    return d.allowed() && !d.degraded();
  }

  @Override
  public void close() {
    limiter.close();
  }
}
