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
 * policy, exactly; those of one-limit policies of one algorithm share the lanes and go in one call.
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

  /*
   * While the I/O thread is held, decisions of the default policy and of two one-limit plans (one permit,
   * and two permits: the mixed call's full form) wait in the one shared lane and go out as one call; each
   * is decided under its own limit, in arrival order.
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void decisionsOfOneLimitPlansMadeTogetherGoInOneCallEachUnderItsLimit(Algorithm algorithm) throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    RateLimitPolicy base = RateLimitPolicy.builder().algorithm(algorithm).limit(3, Duration.ofMinutes(1)).build();
    try (LimitPlans plans = LimitPlans.builder("mixed").build();
        RateLimiter limiter = RateLimiters.builder(base).redis(redis.target()).plans(plans)
            .localDenyCache(false).build()) {
      plans.putPlan("five", RateLimitPolicy.builder().algorithm(algorithm).limit(5, Duration.ofMinutes(1)).build());
      plans.putPlan("seven", RateLimitPolicy.builder().algorithm(algorithm).limit(7, Duration.ofHours(1)).build());
      plans.assign("k-five", "five");
      plans.assign("k-seven", "seven");
      for (String k : List.of("k-five", "k-seven")) { // the plans' limiters exist before the count
        limiter.tryAcquireAsync(k + "-warm", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      IoThreadHold.learn(limiter);
      List<String> keys = List.of("k-five", "k-seven", "k-default");
      Map<String, Long> permits = Map.of("k-five", 1L, "k-seven", 2L, "k-default", 1L);
      List<CompletableFuture<Decision>> all = new ArrayList<>();
      long before;
      try (IoThreadHold hold = new IoThreadHold(limiter, () -> ScriptCalls.of(redis))) {
        before = hold.callsBefore;
        for (int i = 0; i < 30; i++) {
          String k = keys.get(i % 3);
          all.add(limiter.tryAcquireAsync(k, permits.get(k)).toCompletableFuture());
        }
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
      assertThat(ScriptCalls.of(redis) - before).as("the held call, then one for all thirty").isEqualTo(2);
      Map<String, Long> limitOf = Map.of("k-five", 5L, "k-seven", 7L, "k-default", 3L);
      Map<String, Long> grantsOf = Map.of("k-five", 5L, "k-seven", 3L, "k-default", 3L);
      for (String k : keys) {
        List<Boolean> allowed = new ArrayList<>();
        long used = 0;
        for (int i = 0; i < 30; i++) {
          if (!keys.get(i % 3).equals(k)) {
            continue;
          }
          Decision d = all.get(i).join();
          assertThat(d.degraded()).isFalse();
          assertThat(d.limit()).as("the limit of %s", k).isEqualTo(limitOf.get(k));
          if (d.allowed()) {
            used += permits.get(k);
          }
          assertThat(d.remaining()).as("remaining of %s after %d used", k, used)
              .isEqualTo(limitOf.get(k) - used);
          allowed.add(d.allowed());
        }
        int grants = grantsOf.get(k).intValue();
        assertThat(allowed.subList(0, grants)).as("%s: the first %d granted", k, grants).containsOnly(true);
        assertThat(allowed.subList(grants, allowed.size())).as("%s: then denied", k).containsOnly(false);
      }
    }
  }

  /*
   * A key moved to another plan while its decisions wait in the lane: they keep their order (the call
   * sends a policy's decisions together only when no key has decisions under two policies), so the
   * usage under the first plan carries into the second.
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aKeyMovedToAnotherPlanInOneCallKeepsTheOrderOfItsDecisions(Algorithm algorithm) throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    RateLimitPolicy base = RateLimitPolicy.builder().algorithm(algorithm).limit(3, Duration.ofMinutes(1)).build();
    try (LimitPlans plans = LimitPlans.builder("moved").build();
        RateLimiter limiter = RateLimiters.builder(base).redis(redis.target()).plans(plans)
            .localDenyCache(false).build()) {
      plans.putPlan("five", RateLimitPolicy.builder().algorithm(algorithm).limit(5, Duration.ofMinutes(1)).build());
      plans.putPlan("seven", RateLimitPolicy.builder().algorithm(algorithm).limit(7, Duration.ofMinutes(1)).build());
      plans.assign("k", "five");
      plans.assign("y", "seven");
      for (String k : List.of("five-warm", "seven-warm")) {
        plans.assign(k, k.substring(0, k.indexOf('-')));
        limiter.tryAcquireAsync(k, 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      IoThreadHold.learn(limiter);
      List<CompletableFuture<Decision>> moved = new ArrayList<>();
      long before;
      try (IoThreadHold hold = new IoThreadHold(limiter, () -> ScriptCalls.of(redis))) {
        before = hold.callsBefore;
        CompletableFuture<Decision> first = limiter.tryAcquireAsync("y", 1).toCompletableFuture();
        for (int i = 0; i < 3; i++) {
          moved.add(limiter.tryAcquireAsync("k", 1).toCompletableFuture());
        }
        plans.assign("k", "seven");
        for (int i = 0; i < 3; i++) {
          moved.add(limiter.tryAcquireAsync("k", 1).toCompletableFuture());
        }
        moved.add(0, first);
      }
      CompletableFuture.allOf(moved.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
      assertThat(ScriptCalls.of(redis) - before).as("the held call, then one for all seven").isEqualTo(2);
      List<Long> remaining = new ArrayList<>();
      List<Long> limits = new ArrayList<>();
      for (CompletableFuture<Decision> f : moved.subList(1, moved.size())) {
        assertThat(f.join().allowed()).isTrue();
        remaining.add(f.join().remaining());
        limits.add(f.join().limit());
      }
      assertThat(limits).containsExactly(5L, 5L, 5L, 7L, 7L, 7L);
      assertThat(remaining).as("three under five, then their usage carried into seven")
          .containsExactly(4L, 3L, 2L, 3L, 2L, 1L);
    }
  }
}
