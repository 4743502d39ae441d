package io.github.switchboard.registration.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The keep-alive's pacing: a jittered start, the interval, and a jittered, capped backoff after failures. */
class KeepAlivePacingTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void theFirstTickComesWithinTheIntervalAndASecond() {
    assertThat(new KeepAlivePacing(Duration.ofMillis(200), () -> 0.0).firstDelayNanos()).isZero();
    assertThat(new KeepAlivePacing(Duration.ofMillis(200), () -> 0.5).firstDelayNanos()).isEqualTo(SECOND / 10);
    assertThat(new KeepAlivePacing(Duration.ofSeconds(10), () -> 0.999).firstDelayNanos())
        .isLessThan(SECOND).isGreaterThan(SECOND * 99 / 100);
  }

  @Test
  void withoutFailuresTheNextTickIsOneIntervalOn() {
    KeepAlivePacing p = new KeepAlivePacing(Duration.ofSeconds(1), () -> 0.9);
    assertThat(p.nextDelayNanos(0)).isEqualTo(SECOND);
  }

  @Test
  void failuresDoubleTheDelayUpToEightIntervalsEachScaledByHalfToOneAndAHalf() {
    KeepAlivePacing low = new KeepAlivePacing(Duration.ofSeconds(1), () -> 0.0);
    KeepAlivePacing high = new KeepAlivePacing(Duration.ofSeconds(1), () -> 0.999_999);
    long[] expected = {SECOND, 2 * SECOND, 4 * SECOND, 8 * SECOND, 8 * SECOND, 8 * SECOND};
    for (int failures = 1; failures <= expected.length; failures++) {
      long d = expected[failures - 1];
      assertThat(low.nextDelayNanos(failures)).isEqualTo(d / 2);
      assertThat(high.nextDelayNanos(failures)).isBetween(d * 3 / 2 - d / 100_000, d * 3 / 2);
    }
    assertThat(low.nextDelayNanos(1_000)).isEqualTo(4 * SECOND); // no overflow however long it fails
  }

  @Test
  void theBackoffStopsAtThirtySecondsUnlessTheIntervalIsLonger() {
    assertThat(new KeepAlivePacing(Duration.ofSeconds(10), () -> 0.5).nextDelayNanos(10)).isEqualTo(30 * SECOND);
    assertThat(new KeepAlivePacing(Duration.ofMinutes(1), () -> 0.5).nextDelayNanos(10)).isEqualTo(60 * SECOND);
    assertThat(new KeepAlivePacing(Duration.ofDays(10_000), () -> 0.5).nextDelayNanos(64)).isPositive();
  }
}
