package io.github.switchboard.benchmarks;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

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

  /** How many plans {@link #withPlans} puts. */
  static final int PLANS = 100;

  private final RateLimiter limiter;
  private final String[] keys;
  private final boolean verdictOnly;
  private final @Nullable LimitPlans plans;

  private SwitchboardLimiter(RateLimiter limiter, String[] keys, boolean verdictOnly) {
    this(limiter, keys, verdictOnly, null);
  }

  private SwitchboardLimiter(
      RateLimiter limiter, String[] keys, boolean verdictOnly, @Nullable LimitPlans plans) {
    this.limiter = limiter;
    this.keys = keys;
    this.verdictOnly = verdictOnly;
    this.plans = plans;
  }

  /**
   * The limiter of {@link #inMemory} or {@link #onRedis} built with {@code LimitPlans} (in memory, or on
   * the same Redis): {@value #PLANS} plans of the same algorithm, each never limiting but each its own
   * policy (plan {@code i} counts {@code COUNT - 1 - i}), and every even key assigned, to plan {@code
   * (key / 2) % 100}: half the keys decide under a plan, half under the default. Before it returns, it
   * checks that a key on a plan is decided under that plan and a key on none under the default.
   *
   * @param algorithm the algorithm of the default policy and of every plan
   * @param keys the client keys
   * @param redis where the limiter and the plans live, or null for memory
   * @return the limiter; closing it closes the plans too
   */
  static SwitchboardLimiter withPlans(Algorithm algorithm, String[] keys, @Nullable RedisFixture redis) {
    RateLimitPolicy base = BenchmarkPolicy.switchboard(algorithm);
    Duration window = base.limits().get(0).window();
    var pb = LimitPlans.builder("bench");
    if (redis != null) {
      pb.redis(RedisTarget.parse(redis.url()));
    }
    LimitPlans plans = pb.build();
    RateLimiter limiter = null;
    try {
      for (int i = 0; i < PLANS; i++) {
        plans.putPlan(
            "plan-" + i,
            RateLimitPolicy.builder().algorithm(algorithm).limit(BenchmarkPolicy.COUNT - 1 - i, window).build());
      }
      for (int k = 0; k < keys.length; k += 2) {
        plans.assign(keys[k], "plan-" + ((k / 2) % PLANS));
      }
      var b = RateLimiters.builder(base).plans(plans);
      if (redis != null) {
        b.redis(RedisTarget.parse(redis.url())).keyPrefix(PREFIX);
      }
      limiter = b.build();
      if (plans.assignments() != (keys.length + 1) / 2 || plans.plans().size() != PLANS) {
        throw new IllegalStateException(
            "expected " + PLANS + " plans and " + (keys.length + 1) / 2 + " assignments, found "
                + plans.plans().size() + " and " + plans.assignments());
      }
      // keys[0] is on plan-0 (COUNT - 1), keys[1] on none (COUNT): the decisions must say so
      expectLimit(limiter.tryAcquire(keys[0]), BenchmarkPolicy.COUNT - 1, "a key on plan-0");
      if (keys.length > 1) {
        expectLimit(limiter.tryAcquire(keys[1]), BenchmarkPolicy.COUNT, "a key on no plan");
      }
      return new SwitchboardLimiter(limiter, keys, false, plans);
    } catch (RuntimeException | Error e) {
      if (limiter != null) {
        limiter.close();
      }
      plans.close();
      throw e;
    }
  }

  private static void expectLimit(Decision d, long limit, String what) {
    if (!d.allowed() || d.degraded() || d.limit() != limit) {
      throw new IllegalStateException(what + " should be decided under a limit of " + limit + ": " + d);
    }
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
    return onRedis(algorithm, keys, RedisTarget.parse(redis.url()));
  }

  /** On the Redis a target names (a Cluster's {@code redis-cluster://} URL, for {@link RedisCpuMain}). */
  static SwitchboardLimiter onRedis(Algorithm algorithm, String[] keys, RedisTarget target) {
    RateLimiter limiter =
        RateLimiters.builder(BenchmarkPolicy.switchboard(algorithm))
            .redis(target)
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
    LimitPlans p = plans;
    if (p != null) {
      p.close();
    }
  }
}
