package io.github.switchboard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Properties over random request/time sequences: the in-memory limiter and the Redis limiter (standalone,
 * CLIENT clock driven by the test) give identical decision and statistics sequences; and in memory a
 * denial's retry-after is exact.
 */
class InMemoryRedisEquivalencePropertyTest {
  private static final AtomicInteger TRY = new AtomicInteger();
  private static volatile StatefulRedisConnection<String, String> connection;

  static synchronized StatefulRedisConnection<String, String> connection() {
    if (connection == null) {
      connection =
          (StatefulRedisConnection<String, String>)
              RedisHarness.shared(Topology.STANDALONE).connect();
    }
    return connection;
  }

  @AfterContainer
  static synchronized void disconnect() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  static List<Object> onRedis(RateLimitPolicy policy, List<Scenarios.Step> steps, long start) {
    ManualTimeSource clock = new ManualTimeSource(start);
    try (RateLimiter redis =
        RateLimiters.builder(policy)
            .redis(connection())
            .redisOptions(RedisOptions.builder().commandTimeout(Duration.ofSeconds(2)).build())
            .keyPrefix("prop:" + TRY.incrementAndGet() + ":")
            .clock(ClockSource.CLIENT)
            .timeSource(clock)
            .build()) {
      return Scenarios.run(redis, clock, steps);
    }
  }

  static List<Object> inMemory(RateLimitPolicy policy, List<Scenarios.Step> steps, long start) {
    ManualTimeSource clock = new ManualTimeSource(start);
    try (RateLimiter memory = RateLimiters.builder(policy).timeSource(clock).build()) {
      return Scenarios.run(memory, clock, steps);
    }
  }

  @Property(tries = 50)
  void inMemoryAndRedisDecideAlike(
      @ForAll("policies") RateLimitPolicy policy,
      @ForAll("steps") List<Scenarios.Step> steps,
      @ForAll @LongRange(min = 0, max = 86_400_000_000L) long offset) {
    long start = Scenarios.START + offset;
    List<Object> memory = inMemory(policy, steps, start);
    List<Object> redis = onRedis(policy, steps, start);
    assertThat(redis).as("%s, %s", policy, steps).isEqualTo(memory);
  }

  @Property(tries = 300)
  void aDenialsRetryAfterIsExact(
      @ForAll("policies") RateLimitPolicy policy,
      @ForAll("steps") List<Scenarios.Step> steps,
      @ForAll @LongRange(min = 0, max = 86_400_000_000L) long offset) {
    ManualTimeSource clock = new ManualTimeSource(Scenarios.START + offset);
    try (RateLimiter l = RateLimiters.builder(policy).timeSource(clock).build()) {
      Scenarios.run(l, clock, steps);
      for (int i = 0; i < 3 * policy.smallestCount() + 1; i++) {
        Decision d = l.tryAcquire("a");
        if (!d.allowed()) {
          ClientStats before = l.stats("a");
          clock.advanceMicros(d.retryAfterMicros() - 1);
          Decision early = l.tryAcquire("a");
          assertThat(early.allowed()).as("1 µs early after %s", d).isFalse();
          assertThat(early.retryAfterMicros()).isEqualTo(1);
          clock.advanceMicros(1);
          assertThat(l.tryAcquire("a").allowed()).as("on time after %s (%s)", d, before).isTrue();
          return;
        }
      }
    }
  }

  @Provide
  Arbitrary<RateLimitPolicy> policies() {
    Arbitrary<Algorithm> algorithm = Arbitraries.of(Algorithm.class);
    Arbitrary<List<long[]>> limits =
        Combinators.combine(
                Arbitraries.longs().between(1, 6),
                Arbitraries.longs().between(1_000_000L, 120_000_000L))
            .as((c, w) -> new long[] {c, w})
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .uniqueElements(l -> l[1]);
    return Combinators.combine(algorithm, limits)
        .as(
            (a, ls) -> {
              RateLimitPolicy.Builder b = RateLimitPolicy.builder().algorithm(a);
              for (long[] l : ls) {
                b.limit(l[0], Duration.of(l[1], ChronoUnit.MICROS));
              }
              return b.build();
            });
  }

  @Provide
  Arbitrary<List<Scenarios.Step>> steps() {
    Arbitrary<Long> advance =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.just(0L)),
            Tuple.of(2, Arbitraries.longs().between(1, 2_000)),
            Tuple.of(5, Arbitraries.longs().between(1, 30_000_000L)));
    return Combinators.combine(
            advance,
            Arbitraries.of("a", "b", "{a}"),
            Arbitraries.integers().between(1, 6),
            Arbitraries.integers().between(0, 9).map(i -> i == 0))
        .as(Scenarios.Step::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(60);
  }
}
