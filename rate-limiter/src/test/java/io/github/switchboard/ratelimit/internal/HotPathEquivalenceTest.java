package io.github.switchboard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/**
 * The hot-path shortcuts give exactly what the general code gives: the single-limit states against the
 * array-based ones, the one-pass state key against {@code prefix + "{" + hashtag + "}" + suffix}, and the
 * array-free reply decoding against {@link Limits#decide}.
 */
class HotPathEquivalenceTest {
  private static final long START = 1_767_225_600_000_000L;

  record Step(long advanceMicros, long permits) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Long> advance =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, Arbitraries.just(0L)),
            net.jqwik.api.Tuple.of(10, Arbitraries.longs().between(1, 50_000)),
            net.jqwik.api.Tuple.of(5, Arbitraries.longs().between(50_000, 3_000_000)),
            net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(3_000_000, 30_000_000)));
    Arbitrary<Long> permits = Arbitraries.longs().between(1, 12);
    return Combinators.combine(advance, permits).as(Step::new).list().ofMinSize(1).ofMaxSize(200);
  }

  @Property(tries = 300)
  void singleLimitStatesDecideAsTheGeneralOnes(
      @ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 0, max = 2) int algorithmIndex,
      @ForAll @LongRange(min = 1, max = 20) long count,
      @ForAll @LongRange(min = 1, max = 5_000) long windowMillis,
      @ForAll @LongRange(min = -3_000_000, max = 3_000_000) long startOffset) {
    Algorithm algorithm =
        List.of(Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW_COUNTER, Algorithm.TOKEN_BUCKET)
            .get(algorithmIndex);
    Limits limits =
        new Limits(
            RateLimitPolicy.builder()
                .algorithm(algorithm)
                .limit(count, Duration.ofMillis(windowMillis))
                .build());
    KeyState fast = KeyState.create("k", limits);
    KeyState general =
        switch (algorithm) {
          case FIXED_WINDOW -> new KeyState.FixedWindow("k", limits);
          case SLIDING_WINDOW_COUNTER -> new KeyState.SlidingCounter("k", limits);
          default -> new KeyState.TokenBucket("k", limits);
        };
    assertThat(fast).isNotInstanceOf(KeyState.Multi.class);
    long now = START + startOffset;
    for (Step step : steps) {
      now += step.advanceMicros();
      Decision a = fast.acquire(now, step.permits(), false, true);
      Decision b = general.acquire(now, step.permits(), false, true);
      assertThat(a).isEqualTo(b);
      assertThat(fast.idle(now)).isEqualTo(general.idle(now));
      long[][] sa = {new long[1], new long[1], new long[1]};
      long[][] sb = {new long[1], new long[1], new long[1]};
      fast.statsInto(now, sa[0], sa[1], sa[2]);
      general.statsInto(now, sb[0], sb[1], sb[2]);
      assertThat(sa).isDeepEqualTo(sb);
      long later = now + step.advanceMicros() * 7 + 1;
      assertThat(fast.idle(later)).as("idle later").isEqualTo(general.idle(later));
    }
  }

  @Property(tries = 500)
  void oneStateKeyIsTheConcatenation(
      @ForAll @StringLength(min = 1, max = 400) String key, @ForAll("prefixes") String prefix) {
    String suffix = ":tb";
    long bytes = Keys.utf8Length(key);
    if (bytes < 0 || bytes > 1024) {
      assertThatThrownBy(
              () ->
                  Keys.stateKey(
                      prefix.getBytes(StandardCharsets.ISO_8859_1),
                      key,
                      suffix.getBytes(StandardCharsets.ISO_8859_1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(catchMessage(key));
      return;
    }
    String expected = prefix + '{' + Keys.hashtag(key) + '}' + suffix;
    assertThat(
            Keys.stateKey(
                prefix.getBytes(StandardCharsets.ISO_8859_1),
                key,
                suffix.getBytes(StandardCharsets.ISO_8859_1)))
        .isEqualTo(expected);
    assertThat(RedisRateLimiter.keysFor(prefix, key, Algorithm.TOKEN_BUCKET)).containsExactly(expected);
  }

  @Provide
  Arbitrary<String> prefixes() {
    return Arbitraries.oneOf(
        Arbitraries.just("switchboard:rl:"),
        Arbitraries.just(""),
        Arbitraries.strings().withCharRange((char) 0x20, (char) 0xFF).ofMaxLength(20));
  }

  @Test
  void stateKeyOfEveryTailLengthAndOfMultiByteKeys() {
    byte[] p = "p:".getBytes(StandardCharsets.ISO_8859_1);
    byte[] s = ":fw".getBytes(StandardCharsets.ISO_8859_1);
    for (String key : List.of("a", "ab", "abc", "abcd", "é", "éa", "日本", "😀", "a😀b", "{x}:y", "~~~")) {
      assertThat(Keys.stateKey(p, key, s)).isEqualTo("p:{" + Keys.hashtag(key) + "}:fw");
    }
    assertThat(Keys.stateKey(p, "a", s)).isEqualTo("p:{YQ}:fw");
    assertThatThrownBy(() -> Keys.stateKey(p, null, s)).hasMessage("key must not be null");
    assertThatThrownBy(() -> Keys.stateKey(p, "", s)).hasMessage("key must not be empty");
    assertThatThrownBy(() -> Keys.stateKey(p, "a\uD800", s))
        .hasMessage("key must be valid Unicode text, has an unpaired surrogate at index 1");
    assertThatThrownBy(() -> Keys.stateKey(p, "é".repeat(513), s))
        .hasMessage("key must be at most 1024 UTF-8 bytes, was 1026");
    assertThatThrownBy(() -> Keys.stateKey(p, "a".repeat(1025), s))
        .hasMessage("key must be at most 1024 UTF-8 bytes, was at least 1025");
  }

  private static String catchMessage(String key) {
    try {
      Keys.checkKey(key);
      return "";
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  @Property(tries = 300)
  void decodingWithoutArraysPicksTheLimitDecidePicks(
      @ForAll boolean allowed,
      @ForAll @IntRange(min = 1, max = 4) int size,
      @ForAll("replyValues") List<Long> values) {
    RateLimitPolicy.Builder b = RateLimitPolicy.builder().algorithm(Algorithm.FIXED_WINDOW);
    for (int i = 0; i < size; i++) {
      b.limit(10, Duration.ofSeconds(i + 1));
    }
    Limits limits = new Limits(b.build());
    Long[] reply = new Long[2 + 4 * size];
    reply[0] = allowed ? 1L : 0L;
    reply[1] = START;
    long[] remaining = new long[size];
    long[] reset = new long[size];
    long[] retry = new long[size];
    for (int i = 0; i < size; i++) {
      remaining[i] = values.get(4 * i) % 11;
      reset[i] = values.get(4 * i + 1);
      retry[i] = allowed ? 0 : 1 + values.get(4 * i + 2) % 5;
      reply[2 + 4 * i] = 10 - remaining[i];
      reply[3 + 4 * i] = remaining[i];
      reply[4 + 4 * i] = reset[i];
      reply[5 + 4 * i] = retry[i];
    }
    assertThat(RedisRateLimiter.decode(List.of(reply), limits, false))
        .isEqualTo(limits.decide(allowed, remaining, reset, retry, false));
  }

  @Provide
  Arbitrary<List<Long>> replyValues() {
    return Arbitraries.longs().between(0, 30).list().ofSize(16);
  }
}
