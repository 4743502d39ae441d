package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A limiter with plans: decisions of several policies in flight together are each decided under their own
 * policy, exactly (each plan's limiter coalesces on its own lane).
 */
class RedisPlansCoalescingTest {

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void decisionsOfSeveralPlansGoTogetherAndEachKeepsItsLimit(Algorithm algorithm) throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    RateLimitPolicy base = RateLimitPolicy.builder().algorithm(algorithm).limit(3, Duration.ofMinutes(1)).build();
    try (LimitPlans plans = LimitPlans.builder("coalesce").build();
        RateLimiter limiter = RateLimiters.builder(base).redis(redis.target()).plans(plans)
            .localDenyCache(false).build()) {
      plans.putPlan("five", RateLimitPolicy.builder().algorithm(algorithm).limit(5, Duration.ofMinutes(1)).build());
      plans.putPlan("seven", RateLimitPolicy.builder().algorithm(algorithm).limit(7, Duration.ofMinutes(1))
          .limit(100, Duration.ofHours(1)).build());
      plans.assign("k-five", "five");
      plans.assign("k-seven", "seven");
      limiter.tryAcquireAsync("warm-up", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
      long before = ScriptCalls.of(redis);
      List<String> keys = List.of("k-five", "k-seven", "k-default");
      List<CompletableFuture<Decision>> all = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        all.add(limiter.tryAcquireAsync(keys.get(i % 3), 1).toCompletableFuture());
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
      Map<String, Long> limitOf = Map.of("k-five", 5L, "k-seven", 7L, "k-default", 3L);
      for (int i = 0; i < 60; i++) {
        Decision d = all.get(i).join();
        assertThat(d.degraded()).isFalse();
        assertThat(d.limit()).as("decision %d, key %s", i, keys.get(i % 3)).isEqualTo(limitOf.get(keys.get(i % 3)));
      }
      for (String k : keys) {
        long allowed = 0;
        for (int i = 0; i < 60; i++) {
          if (keys.get(i % 3).equals(k) && all.get(i).join().allowed()) {
            allowed++;
          }
        }
        assertThat(allowed).as("granted to %s", k).isEqualTo(limitOf.get(k));
      }
      assertThat(ScriptCalls.of(redis) - before).as("60 decisions of three policies, coalesced").isLessThan(60);
    }
  }
}
