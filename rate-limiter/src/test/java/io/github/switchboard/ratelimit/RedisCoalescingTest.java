package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.core.testing.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Coalescing: decisions fired together go out in few script calls, are decided exactly as one by one
 * (the same decisions as the in-memory limiter for the same sequence, on standalone and Cluster), and
 * give exactly the limit under contention.
 */
class RedisCoalescingTest {

  private static RateLimiter limiter(
      RedisDeployment redis,
      RateLimitPolicy policy,
      @org.jspecify.annotations.Nullable ManualTimeSource clock,
      boolean coalescing) {
    RateLimiters.Builder b =
        RateLimiters.builder(policy)
            .redis(redis.target())
            .redisOptions(redis.optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build())
            .coalescing(coalescing);
    if (clock != null) {
      b.clock(ClockSource.CLIENT).timeSource(clock);
    }
    return b.build();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void twoThousandConcurrentDecisionsMakeAtMostAThousandScriptCalls(Algorithm algorithm)
      throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(1_000, Duration.ofMinutes(1)).build();
    try (RateLimiter l = limiter(redis, policy, null, true)) {
      l.tryAcquire("warm-up"); // loads the scripts outside the count
      l.tryAcquireAsync("warm-up", 1);
      l.tryAcquireAsync("warm-up", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
      long before = ScriptCalls.of(redis);
      List<CompletableFuture<Decision>> all = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        all.add(l.tryAcquireAsync("client-" + (i % 100), 1).toCompletableFuture());
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
      assertThat(all).allMatch(f -> f.join().allowed() && !f.join().degraded());
      assertThat(ScriptCalls.of(redis) - before).as("script calls").isLessThanOrEqualTo(1_000);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void batchesOnRedisTimeDecideInArrivalOrderEachSeeingTheOnesBefore(Algorithm algorithm) throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    // a window of 30 days, so that no window boundary or refill falls inside the test
    RateLimitPolicy policy =
        RateLimitPolicy.builder().algorithm(algorithm).limit(150, Duration.ofDays(30)).build();
    try (RateLimiter l = limiter(redis, policy, null, true)) {
      l.tryAcquire("warm-up"); // loads the scripts outside the count
      long before = ScriptCalls.of(redis);
      List<CompletableFuture<Decision>> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) { // Redis's clock, one permit each: the compact batch form
        all.add(l.tryAcquireAsync("ordered", 1).toCompletableFuture());
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
      for (int i = 0; i < all.size(); i++) {
        Decision d = all.get(i).join();
        assertThat(d.allowed()).as("%s: decision %d allowed", algorithm, i).isEqualTo(i < 150);
        assertThat(d.remaining()).as("%s: decision %d remaining", algorithm, i).isEqualTo(Math.max(0, 149 - i));
      }
      assertThat(ScriptCalls.of(redis) - before).as("script calls").isLessThan(200);
    }
  }

  @ParameterizedTest
  @EnumSource(Topology.class)
  void fiftyConcurrentRequestsOnALimitOfTenGrantExactlyTen(Topology topology) throws Exception {
    if (topology == Topology.SENTINEL) {
      return; // the same connection code as standalone; covered there
    }
    RedisDeployment redis = RedisHarness.shared(topology);
    for (Algorithm algorithm : Algorithm.values()) {
      redis.flushAll();
      RateLimitPolicy policy =
          RateLimitPolicy.builder().algorithm(algorithm).limit(10, Duration.ofMinutes(1)).build();
      try (RateLimiter l = limiter(redis, policy, null, true)) {
        List<CompletableFuture<Decision>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          all.add(l.tryAcquireAsync("hot", 1).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        assertThat(all).noneMatch(f -> f.join().degraded());
        assertThat(all.stream().filter(f -> f.join().allowed()).count())
            .as("%s on %s", algorithm, topology)
            .isEqualTo(10);
      }
    }
  }

  /** Fires a scenario's requests without waiting (so they queue and batch), in order, then collects. */
  private static List<Object> fireAll(
      RateLimiter l, ManualTimeSource clock, List<Scenarios.Step> steps) {
    List<CompletableFuture<Decision>> fired = new ArrayList<>();
    long maxPermits = l.policy().smallestCount();
    for (Scenarios.Step s : steps) {
      clock.advanceMicros(s.advanceMicros());
      fired.add(l.tryAcquireAsync(s.key(), Math.min(s.permits(), maxPermits)).toCompletableFuture());
    }
    List<Object> out = new ArrayList<>();
    for (CompletableFuture<Decision> f : fired) {
      out.add(f.join());
    }
    return out;
  }

  private static List<Object> inMemory(
      RateLimitPolicy policy, long start, List<Scenarios.Step> steps) {
    ManualTimeSource clock = new ManualTimeSource(start);
    try (RateLimiter l = RateLimiters.builder(policy).timeSource(clock).build()) {
      List<Object> out = new ArrayList<>();
      long maxPermits = policy.smallestCount();
      for (Scenarios.Step s : steps) {
        clock.advanceMicros(s.advanceMicros());
        out.add(l.tryAcquire(s.key(), Math.min(s.permits(), maxPermits)));
      }
      return out;
    }
  }

  @RepeatedTest(20)
  void batchedDecisionsAreTheInMemoryOnes(RepetitionInfo repetition) {
    long seed = 0xc0a1_0000L + repetition.getCurrentRepetition();
    Random r = new Random(seed * 0x9E3779B97F4A7C15L);
    RateLimitPolicy policy = Scenarios.randomPolicy(r);
    List<Scenarios.Step> steps = Scenarios.randomSteps(r);
    long start = Scenarios.START + (long) (r.nextDouble() * 86_400_000_000L);
    List<Object> expected = inMemory(policy, start, steps);
    for (Topology topology : new Topology[] {Topology.STANDALONE, Topology.CLUSTER}) {
      RedisDeployment redis = RedisHarness.shared(topology);
      redis.flushAll();
      ManualTimeSource clock = new ManualTimeSource(start);
      try (RateLimiter l = limiter(redis, policy, clock, true)) {
        assertThat(fireAll(l, clock, steps))
            .as("seed %d on %s: %s, %s", seed, topology, policy, steps)
            .isEqualTo(expected);
      }
    }
  }

  /*
   * Every send is made on the connection's I/O thread: decisions made while it is busy (here held by a
   * callback of a completed decision) wait in the lane and go out as one call when it is free, instead of
   * several callers each writing their own call (before: up to 4 single calls, then the rest batched).
   */
  @Test
  void decisionsMadeWhileTheIoThreadIsBusyGoInOneCall() throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    RateLimitPolicy policy = RateLimitPolicy.builder().limit(1_000, Duration.ofMinutes(1)).build();
    try (RateLimiter l = limiter(redis, policy, null, true)) {
      IoThreadHold.learn(l); // the scripts loaded outside the count, the lane on its I/O thread
      List<CompletableFuture<Decision>> all = new ArrayList<>();
      long before;
      try (IoThreadHold hold = new IoThreadHold(l, () -> ScriptCalls.of(redis))) {
        before = hold.callsBefore;
        for (int i = 0; i < 10; i++) {
          all.add(l.tryAcquireAsync("client-" + i, 1).toCompletableFuture());
        }
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
      assertThat(all).allMatch(f -> f.join().allowed() && !f.join().degraded());
      assertThat(ScriptCalls.of(redis) - before).as("script calls: the held one, then one for all ten").isEqualTo(2);
    }
  }

  @Test
  void withoutCoalescingEveryDecisionIsItsOwnCall() throws Exception {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    RateLimitPolicy policy = RateLimitPolicy.builder().limit(1_000, Duration.ofMinutes(1)).build();
    try (RateLimiter l = limiter(redis, policy, null, false)) {
      l.tryAcquire("warm-up");
      long before = ScriptCalls.of(redis);
      List<CompletableFuture<Decision>> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        all.add(l.tryAcquireAsync("client-" + (i % 10), 1).toCompletableFuture());
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
      assertThat(ScriptCalls.of(redis) - before).isEqualTo(200);
    }
  }
}
