package io.github.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisOptionsAndTimeSourceTest {

  @Test
  void defaults() {
    RedisOptions o = RedisOptions.defaults();
    assertThat(o.commandTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(o.connectTimeout()).isEqualTo(Duration.ofMillis(2000));
    assertThat(o.trustedCertificate()).isEmpty();
    assertThat(o.syncConnections()).isEqualTo(RedisOptions.DEFAULT_SYNC_CONNECTIONS);
  }

  @Test
  void optionsAreEqualByValue() {
    RedisOptions a = RedisOptions.builder().commandTimeout(Duration.ofMillis(300)).syncConnections(2).build();
    RedisOptions b = RedisOptions.builder().commandTimeout(Duration.ofMillis(300)).syncConnections(2).build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(RedisOptions.builder().commandTimeout(Duration.ofMillis(300)).build());
    assertThat(a).isNotEqualTo(RedisOptions.defaults());
  }

  @Test
  void timeoutsMustBePositive() {
    assertThatThrownBy(() -> RedisOptions.builder().commandTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("commandTimeout");
    assertThatThrownBy(() -> RedisOptions.builder().connectTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connectTimeout");
  }

  @Test
  void theTrustedCertificateMustBeReadable(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> RedisOptions.builder().trustedCertificate(dir.resolve("nope.pem")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope.pem");
    Path pem = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    assertThat(RedisOptions.builder().trustedCertificate(pem).build().trustedCertificate()).contains(pem);
  }

  @Test
  void theSystemClockIsMonotonicAndNearTheWallClock() {
    TimeSource t = TimeSource.system();
    assertThat(TimeSource.system()).isSameAs(t);
    long wall = System.currentTimeMillis() * 1000L;
    long now = t.currentTimeMicros();
    assertThat(Math.abs(now - wall)).as("microseconds off the wall clock").isLessThan(1_000_000L);
    long last = now;
    for (int i = 0; i < 100_000; i++) {
      long next = t.currentTimeMicros();
      assertThat(next).isGreaterThanOrEqualTo(last);
      last = next;
    }
  }

  @Test
  void theSystemClockFollowsTheWallClockWithinASecondAndNeverGoesBack() {
    long[] wall = {1_000_000L}; // milliseconds
    long[] nano = {0L};
    SystemTimeSource t = new SystemTimeSource(() -> wall[0], () -> nano[0]);
    assertThat(t.currentTimeMicros()).isEqualTo(1_000_000_000L);
    nano[0] += 500_000_000L; // half a second on the monotonic clock
    assertThat(t.currentTimeMicros()).isEqualTo(1_000_500_000L);
    wall[0] += 120_000L; // the wall clock is corrected two minutes ahead
    nano[0] += 600_000_000L; // more than a second since the anchor: read again
    assertThat(t.currentTimeMicros()).isEqualTo((1_000_000L + 120_000L) * 1000L);
    wall[0] -= 120_000L + 1_000L; // then stepped back: the clock runs at half speed until it catches up
    nano[0] += 1_000_000_000L;
    long behind = t.currentTimeMicros();
    assertThat(behind).isEqualTo((1_000_000L + 120_000L) * 1000L + 1_000_000L);
    nano[0] += 500_000_000L;
    assertThat(t.currentTimeMicros()).isEqualTo(behind + 250_000L);
  }
}
