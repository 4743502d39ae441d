package io.github.switchboard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.ClientStats;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;

/**
 * Each algorithm's rule is written once (the static functions of KeyState's multi-limit states); the
 * one-limit states apply it to scalar fields. This proves the two paths decide alike: over random one-limit
 * policies and random request sequences, a policy of that one limit (the one-limit fast path) gives the
 * same decisions and the same statistics for the limit as a policy of the same limit beside a second,
 * very loose one (the general path, which loops over the limits) — through the limiter, and on the bare
 * states, where a request may also ask for more permits than the limit holds (a LOCAL fallback's divided
 * counts) and the caller may ask for the verdict only.
 */
class OneLimitFastPathDecidesAsTheGeneralPathPropertyTest {
  private static final long START = 1_767_225_600_000_000L;

  /** A count no request sequence here comes near (at most 200 requests of at most 24 permits). */
  private static final long LOOSE_COUNT = 1_000_000L;

  /** One step: move the clock by advanceMicros, then act on key 0..2 (kind: 0 stats, 1 allow, else acquire). */
  record Step(long advanceMicros, int key, long permits, int kind) {}

  /** The limit under test, and the window of the loose one beside it (never the same window). */
  record Case(Algorithm algorithm, long count, long windowMicros, long looseWindowMicros) {
    RateLimitPolicy one() {
      return RateLimitPolicy.builder()
          .algorithm(algorithm)
          .limit(count, Duration.of(windowMicros, ChronoUnit.MICROS))
          .build();
    }

    RateLimitPolicy withLoose() {
      return RateLimitPolicy.builder()
          .algorithm(algorithm)
          .limit(count, Duration.of(windowMicros, ChronoUnit.MICROS))
          .limit(LOOSE_COUNT, Duration.of(looseWindowMicros, ChronoUnit.MICROS))
          .build();
    }

    /** Where the limit under test stands in the general policy's limits (they are sorted by window). */
    int index() {
      return windowMicros < looseWindowMicros ? 0 : 1;
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Algorithm> algorithm = Arbitraries.of(Algorithm.class);
    Arbitrary<Long> count = Arbitraries.longs().between(1, 20);
    Arbitrary<Long> window =
        Arbitraries.oneOf(
            Arbitraries.longs().between(1_000, 50_000), Arbitraries.longs().between(50_000, 5_000_000));
    Arbitrary<Boolean> looseShorter = Arbitraries.of(true, false);
    Arbitrary<Double> where = Arbitraries.doubles().between(0, 1);
    return Combinators.combine(algorithm, count, window, looseShorter, where)
        .as(
            (a, c, w, shorter, at) -> {
              long loose =
                  shorter && w > 1_000
                      ? 1_000 + (long) ((w - 1_001) * at)
                      : w + 1 + (long) (w * 99 * at);
              return new Case(a, c, w, loose);
            });
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Long> advance =
        Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.just(0L)),
            Tuple.of(10, Arbitraries.longs().between(1, 50_000)),
            Tuple.of(5, Arbitraries.longs().between(50_000, 3_000_000)),
            Tuple.of(1, Arbitraries.longs().between(3_000_000, 30_000_000)));
    return Combinators.combine(
            advance,
            Arbitraries.integers().between(0, 2),
            Arbitraries.longs().between(1, 24),
            Arbitraries.integers().between(0, 5))
        .as(Step::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(200);
  }

  @Property(tries = 300)
  void throughTheLimiterOneLimitDecidesAsThatLimitBesideALooseOne(
      @ForAll("cases") Case c,
      @ForAll("steps") List<Step> steps,
      @ForAll @LongRange(min = -3_000_000, max = 3_000_000) long startOffset) {
    ManualTimeSource clock = new ManualTimeSource(START + startOffset);
    try (RateLimiter fast = RateLimiters.builder(c.one()).timeSource(clock).build();
        RateLimiter general = RateLimiters.builder(c.withLoose()).timeSource(clock).build()) {
      for (Step step : steps) {
        clock.advanceMicros(step.advanceMicros());
        String key = "k" + step.key();
        long permits = Math.min(step.permits(), c.count()); // more is refused before any state
        switch (step.kind()) {
          case 0 -> {
            ClientStats a = fast.stats(key);
            ClientStats b = general.stats(key);
            assertThat(a.limits()).as("%s, %s", c, step).containsExactly(b.limits().get(c.index()));
            assertThat(a.degraded()).isEqualTo(b.degraded());
          }
          case 1 ->
              assertThat(fast.allow(key, permits))
                  .as("%s, %s", c, step)
                  .isEqualTo(general.allow(key, permits));
          default ->
              assertThat(fast.tryAcquire(key, permits))
                  .as("%s, %s", c, step)
                  .isEqualTo(general.tryAcquire(key, permits));
        }
      }
    }
  }

  @Property(tries = 300)
  void onTheStatesOneLimitDecidesAsThatLimitBesideALooseOne(
      @ForAll("cases") Case c,
      @ForAll("steps") List<Step> steps,
      @ForAll @LongRange(min = -3_000_000, max = 3_000_000) long startOffset) {
    KeyState fast = KeyState.create("k", new Limits(c.one()));
    KeyState general = KeyState.create("k", new Limits(c.withLoose()));
    assertThat(general).isInstanceOf(KeyState.Multi.class);
    if (c.algorithm() != Algorithm.SLIDING_WINDOW_LOG) {
      assertThat(fast).isNotInstanceOf(KeyState.Multi.class);
    }
    long[] used = new long[2];
    long[] remaining = new long[2];
    long[] reset = new long[2];
    long[] one = new long[3];
    long now = START + startOffset;
    for (Step step : steps) {
      now += step.advanceMicros();
      boolean detail = step.kind() != 1;
      Decision a = fast.acquire(now, step.permits(), false, detail);
      Decision b = general.acquire(now, step.permits(), false, detail);
      if (detail) {
        assertThat(a).as("%s, %s", c, step).isEqualTo(b);
      } else {
        assertThat(a.allowed()).as("%s, %s", c, step).isEqualTo(b.allowed());
      }
      fast.statsInto(now, used, remaining, reset);
      one[0] = used[0];
      one[1] = remaining[0];
      one[2] = reset[0];
      general.statsInto(now, used, remaining, reset);
      int i = c.index();
      assertThat(one).as("%s, %s", c, step).containsExactly(used[i], remaining[i], reset[i]);
    }
  }
}
