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
}
