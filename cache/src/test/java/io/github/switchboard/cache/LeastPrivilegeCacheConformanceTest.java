package io.github.switchboard.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.LeastPrivilege;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The conformance suite as a Redis user granted exactly the ACL rules of docs/redis-integration.md
 * ({@link LeastPrivilege}). A refused command would only send the cache to its fallback, so Redis's ACL
 * LOG must show no refusal either.
 */
class LeastPrivilegeCacheConformanceTest extends AbstractTranslationCacheConformanceTest {
  @RegisterExtension static RedisExtension<RedisServer> redis = RedisExtension.leastPrivilege();

  @Override
  protected TranslationCaches.Builder builder(String name) {
    return TranslationCaches.builder(name)
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().optionsBuilder().commandTimeout(Duration.ofSeconds(2)).build());
  }

  @Override
  protected void clean() {
    redis.deployment().flushAll();
  }

  @AfterAll
  static void redisRefusedNothing() {
    assertThat(redis.deployment().target().username()).contains(LeastPrivilege.USER);
    assertThat(redis.deployment().call("ACL", "LOG")).asList().isEmpty();
  }
}
