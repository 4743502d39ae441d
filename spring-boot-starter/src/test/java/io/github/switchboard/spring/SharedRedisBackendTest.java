package io.github.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A limiter, a pool and a cache built on one {@link RedisBackend} open one connection between them, beside
 * the subscriptions of the pool and the cache, and the last of them to close closes it; the starter builds
 * its components the same way, on its own backend bean or the application's.
 */
class SharedRedisBackendTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static RedisServer server;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    server = RedisHarness.standalone(); // its own server: the test counts every client of it
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The clients of the server now, except the one asking. */
  private static List<String> clients() {
    return Arrays.stream(String.valueOf(server.call("CLIENT", "LIST")).split("\n"))
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.contains("cmd=client|list"))
        .toList();
  }

  /** A client subscribed to a channel (RESP2 pub/sub: flag P; RESP3: sub or psub above 0). */
  private static boolean subscribed(String client) {
    return client.matches(".*\\bflags=\\S*P.*") || client.matches(".*\\b(sub|psub|ssub)=[1-9].*");
  }

  private static long subscriptions() {
    return clients().stream().filter(SharedRedisBackendTest::subscribed).count();
  }

  private static long commandConnections() {
    return clients().stream().filter(c -> !subscribed(c)).count();
  }

  private static RedisBackend backend() {
    // no blocking connections for synchronous calls, so that each connection counted is a Lettuce one
    return RedisBackend.of(server.target())
        .withOptions(server.optionsBuilder().syncConnections(0).commandTimeout(Duration.ofSeconds(2)).build());
  }

  @Test
  void aLimiterAPoolAndACacheOnOneBackendOpenOneConnectionAndTheLastCloseClosesIt() {
    await().atMost(WAIT).until(() -> clients().isEmpty());
    RedisBackend redis = backend();
    RateLimiter limiter = RateLimiters.builder(RateLimitPolicy.builder().limit(10, Duration.ofMinutes(1)).build())
        .redis(redis).build();
    DecoderPool pool = DecoderPools.builder("shared").redis(redis).file(dir.resolve("pool.json")).build();
    TranslationCache cache = TranslationCaches.builder("shared").redis(redis).build();
    try {
      assertThat(limiter.tryAcquire("client-1").degraded()).isFalse();
      TranslationKey key = TranslationKey.builder("en", "es", "hello").build();
      cache.put(key, "hola");
      assertThat(cache.get(key)).isEqualTo(Optional.of("hola"));
      await().atMost(WAIT).until(() -> pool.backendState() == BackendState.PRIMARY
          && cache.backendState() == BackendState.PRIMARY);
      // one shared connection; the pool's subscription and the cache's
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(commandConnections()).as("shared connections: %s", clients()).isEqualTo(1);
        assertThat(subscriptions()).as("subscriptions: %s", clients()).isEqualTo(2);
      });
      limiter.close();
      pool.close();
      assertThat(cache.get(key)).isEqualTo(Optional.of("hola"));
      assertThat(commandConnections()).as("the cache still holds it: %s", clients()).isEqualTo(1);
    } finally {
      limiter.close();
      pool.close();
      cache.close();
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(clients()).isEmpty());
  }

  @Test
  void theStarterBuildsEveryComponentOnOneBackendBean() {
    await().atMost(WAIT).until(() -> clients().isEmpty());
    runner().withPropertyValues("switchboard.redis.url=redis://127.0.0.1:" + server.port(),
        "switchboard.redis.sync-connections=0").run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(RedisBackend.class);
          RedisBackend backend = ctx.getBean(RedisBackend.class);
          assertThat(ctx.getBean(SwitchboardRedis.class).backend()).containsSame(backend);
          assertOneSharedConnection(ctx.getBean(RateLimiter.class), ctx.getBean(TranslationCache.class));
        });
    await().atMost(WAIT).untilAsserted(() -> assertThat(clients()).isEmpty());
  }

  @Test
  void theStarterTakesTheApplicationsBackend() {
    await().atMost(WAIT).until(() -> clients().isEmpty());
    runner().withUserConfiguration(OwnBackend.class)
        .withPropertyValues("switchboard.redis.url=redis://127.0.0.1:1").run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(RedisBackend.class);
          assertThat(ctx.getBean(SwitchboardRedis.class).backend()).containsSame(ctx.getBean(RedisBackend.class));
          assertOneSharedConnection(ctx.getBean(RateLimiter.class), ctx.getBean(TranslationCache.class));
        });
    await().atMost(WAIT).untilAsserted(() -> assertThat(clients()).isEmpty());
  }

  /** Limiter, plans, pool and cache: one connection; the subscriptions of the plans, the pool, the cache. */
  private static void assertOneSharedConnection(RateLimiter limiter, TranslationCache cache) {
    assertThat(limiter.tryAcquire("starter").degraded()).isFalse();
    cache.put(TranslationKey.builder("en", "fr", "yes").build(), "oui");
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(commandConnections()).as("shared connections: %s", clients()).isEqualTo(1);
      assertThat(subscriptions()).as("subscriptions: %s", clients()).isEqualTo(3);
    });
  }

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SwitchboardAutoConfiguration.class,
            SwitchboardCacheAutoConfiguration.class))
        .withPropertyValues("switchboard.pool.file=" + dir.resolve("decoder_pool.json"),
            "switchboard.cache.enabled=true", "switchboard.redis.command-timeout=2s");
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBackend {
    @Bean
    RedisBackend ownBackend() {
      return backend();
    }
  }
}
