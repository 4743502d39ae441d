package io.github.switchboard.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BuilderValidationTest {

  @Test
  void namesAreChecked() {
    assertThatThrownBy(() -> TranslationCaches.builder("")).hasMessage("name must be 1 to 100 characters long, was 0");
    assertThatThrownBy(() -> TranslationCaches.builder("a{b}")).hasMessageContaining("found '{' at index 1");
    assertThatThrownBy(() -> TranslationCaches.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
    assertThat(TranslationCaches.builder("ok-name_1.2:x").build().name()).isEqualTo("ok-name_1.2:x");
  }

  @Test
  void everySetterChecksItsArgument() {
    TranslationCaches.Builder b = TranslationCaches.builder("x");
    assertThatThrownBy(() -> b.timeToLive(Duration.ofMillis(999))).hasMessageContaining("timeToLive must be between 1 s and 365 days");
    assertThatThrownBy(() -> b.timeToLive(Duration.ofDays(366))).hasMessageContaining("timeToLive");
    assertThatThrownBy(() -> b.nearCacheSize(-1)).hasMessageContaining("nearCacheSize must be between 0 and 100000000, was -1");
    assertThatThrownBy(() -> b.maxValueBytes(0)).hasMessageContaining("maxValueBytes must be between 1 and 67108864, was 0");
    assertThatThrownBy(() -> b.compressionThreshold(63)).hasMessageContaining("compressionThreshold must be at least 64, was 63");
    assertThatThrownBy(() -> b.loadTimeout(Duration.ofMillis(99))).hasMessageContaining("loadTimeout must be between 100 ms and 1 h");
    assertThatThrownBy(() -> b.keyPrefix("a{")).hasMessageContaining("keyPrefix must not contain '{' or '}'");
    assertThatThrownBy(() -> b.keyPrefix("")).hasMessageContaining("keyPrefix must be 1 to 100 characters long");
    assertThatThrownBy(() -> b.executor(null)).isInstanceOf(NullPointerException.class).hasMessage("executor");
    assertThatThrownBy(() -> b.redis((io.github.switchboard.core.RedisTarget) null)).isInstanceOf(NullPointerException.class).hasMessage("target");
  }

  @Test
  void theInMemoryCacheHoldsAtMostNearCacheSizeEntries() {
    try (TranslationCache cache = TranslationCaches.builder("bounded").nearCacheSize(100).build()) {
      for (int i = 0; i < 1000; i++) {
        cache.put(TranslationKey.builder("en", "es", "k" + i).build(), "v");
      }
      org.awaitility.Awaitility.await().until(() -> cache.nearCacheEntries() <= 100);
      assertThat(cache.backendState()).isEqualTo(io.github.switchboard.core.BackendState.PRIMARY);
    }
  }
}
