package io.github.switchboard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.Topology;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.ClockSource;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.github.switchboard.ratelimit.internal.OneLimitFastPathDecidesAsTheGeneralPathPropertyTest.Case;
import io.github.switchboard.ratelimit.internal.OneLimitFastPathDecidesAsTheGeneralPathPropertyTest.Step;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * The Lua side of "each rule once": every algorithm's script has a one-limit path (scalars, the path of
 * most policies and of the mixed calls of plans) beside the general one (a loop over the limits). Over
 * random one-limit policies and random request sequences on a real Redis (the client's clock, driven by
 * the test), a policy of that one limit gives the same decisions and the same statistics for the limit
 * as a policy of the same limit beside a second, very loose one. The cases and steps are those of the
 * Java paths' property ({@link OneLimitFastPathDecidesAsTheGeneralPathPropertyTest}), shorter, with
 * windows of a second or more.
 */
class OneLimitScriptDecidesAsTheGeneralScriptPropertyTest {
  private static final long START = 1_767_225_600_000_000L;
  private static final AtomicInteger TRY = new AtomicInteger();
  private static volatile StatefulRedisConnection<String, String> connection;

  private static synchronized StatefulRedisConnection<String, String> connection() {
    if (connection == null) {
      connection =
          (StatefulRedisConnection<String, String>) RedisHarness.shared(Topology.STANDALONE).connect();
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

  private final OneLimitFastPathDecidesAsTheGeneralPathPropertyTest javaPaths =
      new OneLimitFastPathDecidesAsTheGeneralPathPropertyTest();

  /*
   * Windows of at least a second: a script sets its key's expiry from the window in real milliseconds,
   * while the test's clock moves in virtual time, so a shorter one could expire between two steps.
   */
  @Provide
  Arbitrary<Case> cases() {
    return javaPaths.cases()
        .filter(c -> c.windowMicros() >= 1_000_000 && c.looseWindowMicros() >= 1_000_000);
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    return javaPaths.steps().map(s -> s.subList(0, Math.min(s.size(), 60)));
  }

  private static RateLimiter onRedis(RateLimitPolicy policy, ManualTimeSource clock) {
    return RateLimiters.builder(policy)
        .redis(connection())
        .redisOptions(RedisOptions.builder().commandTimeout(Duration.ofSeconds(2)).build())
        .keyPrefix("one:" + TRY.incrementAndGet() + ":")
        .clock(ClockSource.CLIENT)
        .timeSource(clock)
        .build();
  }

  @Property(tries = 60)
  void onRedisOneLimitDecidesAsThatLimitBesideALooseOne(
      @ForAll("cases") Case c,
      @ForAll("steps") List<Step> steps,
      @ForAll @LongRange(min = -3_000_000, max = 3_000_000) long startOffset) {
    ManualTimeSource clock = new ManualTimeSource(START + startOffset);
    try (RateLimiter fast = onRedis(c.one(), clock);
        RateLimiter general = onRedis(c.withLoose(), clock)) {
      for (Step step : steps) {
        clock.advanceMicros(step.advanceMicros());
        String key = "k" + step.key();
        long permits = Math.min(step.permits(), c.count()); // more is refused before any state
        switch (step.kind()) {
          case 0 -> {
            ClientStats a = fast.stats(key);
            ClientStats b = general.stats(key);
            assertThat(a.limits()).as("%s, %s", c, step).containsExactly(b.limits().get(c.index()));
          }
          case 1 ->
              assertThat(fast.allow(key, permits))
                  .as("%s, %s", c, step)
                  .isEqualTo(general.allow(key, permits));
          default -> {
            var a = fast.tryAcquire(key, permits);
            assertThat(a.degraded()).as("decided by Redis").isFalse();
            assertThat(a).as("%s, %s", c, step).isEqualTo(general.tryAcquire(key, permits));
          }
        }
      }
    }
  }
}
