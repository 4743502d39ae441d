package io.github.switchboard.pool;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.ManualTimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecoderPoolsTest {

  @Test
  void buildChecksTheSettings() {
    assertThatThrownBy(() -> DecoderPools.builder("has space").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("poolName must be 1 to 64");
    assertThatThrownBy(() -> DecoderPools.builder("p").staleAfter(Duration.ofMinutes(5))
        .evictAfter(Duration.ofMinutes(1)).build())
        .hasMessage("evictAfter must be longer than staleAfter, was PT1M <= PT5M");
    assertThatThrownBy(() -> DecoderPools.builder("p").maxEvictionShare(0))
        .hasMessage("maxEvictionShare must be > 0 and <= 1, was 0.0");
    assertThatThrownBy(() -> DecoderPools.builder("p").maxEvictionShare(1.5))
        .hasMessage("maxEvictionShare must be > 0 and <= 1, was 1.5");
    assertThatThrownBy(() -> DecoderPools.builder("p").staleAfter(Duration.ZERO))
        .hasMessage("staleAfter must be positive, was PT0S");
    assertThatThrownBy(() -> DecoderPools.builder("p").filePollInterval(Duration.ofSeconds(2)))
        .hasMessage("filePollInterval must be at most 1s, was PT2S");
    assertThatThrownBy(() -> DecoderPools.builder("p").writeTimeout(Duration.ofMillis(-1)))
        .hasMessage("writeTimeout must be positive, was PT-0.001S");
    assertThatThrownBy(() -> HealthCheckConfig.builder().fall(0)).hasMessage("fall must be >= 1, was 0");
  }

  @Test
  void withoutRedisOrFileThePoolIsInMemoryAndAlwaysPrimary() {
    try (DecoderPool pool = DecoderPools.builder("mem").build()) {
      await(pool.registerAsync(node("a").build()));
      assertThat(pool.nodes()).hasSize(1);
      assertThat(pool.backendState()).isEqualTo(BackendState.PRIMARY);
    }
  }

  @Test
  void aFileThatDoesNotExistYetIsAnEmptyPoolAndIsCreatedOnTheFirstChange(@TempDir Path dir) {
    Path file = dir.resolve("config/decoder_pool.json");
    try (DecoderPool pool = DecoderPools.builder("file").file(file).build()) {
      assertThat(pool.nodes()).isEmpty();
      assertThat(file).doesNotExist();
      await(pool.registerAsync(node("a").build()));
      assertThat(file).exists();
    }
    try (DecoderPool again = DecoderPools.builder("file").file(file).build()) {
      assertThat(again.node("a")).isPresent();
    }
  }

  @Test
  void theSweeperRunsByItself() {
    ManualTimeSource clock = new ManualTimeSource();
    try (DecoderPool pool = DecoderPools.builder("sweep").timeSource(clock)
        .staleAfter(Duration.ofSeconds(10)).evictAfter(Duration.ofSeconds(20))
        .sweepInterval(Duration.ofMillis(50)).build()) {
      await(pool.registerAsync(node("a").build()));
      await(pool.heartbeatAsync("a", NodeLoad.NONE));
      clock.advance(Duration.ofSeconds(21));
      await().atMost(Duration.ofSeconds(5)).until(() -> pool.node("a").isEmpty());
    }
  }

  @Test
  void closingAFilePoolReleasesItsThreadsQuickly(@TempDir Path dir) throws Exception {
    long start = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      DecoderPool pool = DecoderPools.builder("close").file(dir.resolve("p.json")).build();
      await(pool.registerAsync(node("a" + i).build()));
      pool.close();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(Files.readString(dir.resolve("p.json"))).contains("a4");
  }
}
