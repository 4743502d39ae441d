package io.github.switchboard.spring;

import static io.github.switchboard.spring.SwitchboardAutoConfigurationTest.keys;
import static io.github.switchboard.spring.SwitchboardAutoConfigurationTest.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.cache.CacheStats;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.cache.TranslationLoader;
import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The TranslationCache bean: off by default, its properties, its Redis, its lifecycle. */
class SwitchboardCacheAutoConfigurationTest {

  static final TranslationLoader MUST_NOT_LOAD =
      k -> {
        throw new AssertionError("the loader ran for " + k);
      };

  @TempDir Path dir;

  ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(SwitchboardAutoConfiguration.class, SwitchboardCacheAutoConfiguration.class))
        .withPropertyValues("switchboard.pool.enabled=false",
            "switchboard.pool.file=" + dir.resolve("decoder_pool.json"),
            // generous for a loaded CI machine: a first call (script load, cold JIT) must not fall back
            "switchboard.redis.command-timeout=2s");
  }

  static TranslationKey key(String input) {
    return TranslationKey.builder("en", "es", input).build();
  }

  @Test
  void offByDefault() {
    runner().run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(TranslationCache.class));
    runner().withPropertyValues("switchboard.cache.name=set-but-off").run(ctx ->
        assertThat(ctx).hasNotFailed().doesNotHaveBean(TranslationCache.class));
    runner().withPropertyValues("switchboard.cache.enabled=false").run(ctx ->
        assertThat(ctx).hasNotFailed().doesNotHaveBean(TranslationCache.class));
  }

  @Test
  void enabledWithoutRedisALocalCacheWithTheCacheModulesDefaults() {
    runner().withPropertyValues("switchboard.cache.enabled=true").run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(TranslationCache.class);
      TranslationCache cache = ctx.getBean(TranslationCache.class);
      assertThat(cache.name()).isEqualTo("translations");
      assertThat(cache.backendState()).isEqualTo(BackendState.PRIMARY);
      assertThat(cache.getOrLoad(key("hello"), k -> "hola")).isEqualTo("hola");
      assertThat(cache.get(key("hello"))).contains("hola");
      assertThat(cache.getOrLoad(key("hello"), MUST_NOT_LOAD)).isEqualTo("hola");
      CacheStats stats = cache.stats();
      assertThat(stats.loadSuccesses()).isEqualTo(1);
      assertThat(stats.hits()).isEqualTo(2);
      // the starter's defaults are the cache module's (its own literals, so that it binds without the module)
      SwitchboardProperties.Cache p = ctx.getBean(SwitchboardProperties.class).getCache();
      assertThat(p.getTimeToLive()).isEqualTo(TranslationCaches.DEFAULT_TIME_TO_LIVE);
      assertThat(p.getNearCacheSize()).isEqualTo(TranslationCaches.DEFAULT_NEAR_CACHE_SIZE);
    });
  }

  @Test
  void onTheStartersRedisTheNameAndTimeToLiveAreBoundAndInstancesShareEntries() {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    runner().withPropertyValues("spring.data.redis.url=" + url(redis), "switchboard.cache.enabled=true",
        "switchboard.cache.name=sb-cache", "switchboard.cache.time-to-live=90s")
        .withBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::ofDefaults)
        .run(ctx -> {
          TranslationCache cache = ctx.getBean(TranslationCache.class);
          assertThat(cache.name()).isEqualTo("sb-cache");
          assertThat(cache.getOrLoad(key("hello"), k -> "hola")).isEqualTo("hola");
          assertThat(cache.get(key("hello"))).contains("hola");
          CacheStats stats = cache.stats();
          assertThat(stats.loadSuccesses()).isEqualTo(1);
          assertThat(stats.nearHits() + stats.hits()).as("the get hits").isEqualTo(1);
          assertThat(cache.backendState()).isEqualTo(BackendState.PRIMARY);

          // the entry is in Redis under the name, with the time to live (the store completes in the background)
          String pattern = "switchboard:cache:sb-cache:*{" + key("hello").digest() + "}";
          await().atMost(Duration.ofSeconds(10)).until(() -> keys(redis, pattern).size() == 1);
          long ttl = (Long) redis.call("PTTL", keys(redis, pattern).get(0));
          assertThat(ttl).isBetween(Duration.ofSeconds(60).toMillis(), Duration.ofSeconds(90).toMillis());
          try (TranslationCache other =
              TranslationCaches.builder("sb-cache").redis(redis.target()).redisOptions(redis.options()).build()) {
            assertThat(other.getOrLoad(key("hello"), MUST_NOT_LOAD)).as("another instance").isEqualTo("hola");
          }
          assertThat(ctx.getBean(CircuitBreakerRegistry.class).find("switchboard-sb-cache"))
              .as("the breaker in the application's registry").isPresent();
        });
  }

  @Test
  void nearCacheSizeIsBound() {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    runner().withPropertyValues("switchboard.redis.url=" + url(redis), "switchboard.cache.enabled=true",
        "switchboard.cache.name=sb-near-off", "switchboard.cache.near-cache-size=0").run(ctx -> {
          TranslationCache cache = ctx.getBean(TranslationCache.class);
          cache.put(key("a"), "A");
          for (int i = 0; i < 5; i++) {
            assertThat(cache.get(key("a"))).contains("A");
          }
          assertThat(cache.stats().nearHits()).as("no near cache").isZero();
          assertThat(cache.stats().hits()).isEqualTo(5);
          assertThat(cache.nearCacheEntries()).isZero();
        });
    // without Redis the near cache size bounds the whole cache: 0 keeps nothing
    runner().withPropertyValues("switchboard.cache.enabled=true", "switchboard.cache.near-cache-size=0")
        .run(ctx -> {
          TranslationCache cache = ctx.getBean(TranslationCache.class);
          cache.put(key("a"), "A");
          await().atMost(Duration.ofSeconds(10)).until(() -> cache.get(key("a")).isEmpty());
        });
  }

  @Test
  void aBadValueStopsTheContextNamingTheProperty() {
    runner().withPropertyValues("switchboard.cache.enabled=true", "switchboard.cache.name=two words")
        .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining(
            "switchboard.cache.name: name may hold only ASCII letters"));
    runner().withPropertyValues("switchboard.cache.enabled=true", "switchboard.cache.time-to-live=0s")
        .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining(
            "switchboard.cache.time-to-live: timeToLive must be between 1 s and 365 days, was PT0S"));
    runner().withPropertyValues("switchboard.cache.enabled=true", "switchboard.cache.near-cache-size=-1")
        .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining(
            "switchboard.cache.near-cache-size: nearCacheSize must be between 0 and 100000000, was -1"));
    runner().withPropertyValues("switchboard.cache.enabled=true", "switchboard.cache.time-to-live=soon")
        .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("switchboard.cache.time-to-live"));
    // as the other properties: a bad value stops the application even while the cache is off
    runner().withPropertyValues("switchboard.cache.time-to-live=400d")
        .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining(
            "switchboard.cache.time-to-live: timeToLive must be between 1 s and 365 days"));
  }

  @Test
  void theBeanBacksOffForTheApplicationsOwn() {
    runner().withPropertyValues("switchboard.cache.enabled=true").withUserConfiguration(OwnCache.class)
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(TranslationCache.class);
          assertThat(ctx.getBean(TranslationCache.class).name()).isEqualTo("own");
        });
  }

  @Test
  void theCacheIsClosedWithTheContext() {
    AtomicReference<TranslationCache> seen = new AtomicReference<>();
    runner().withPropertyValues("switchboard.cache.enabled=true").run(ctx -> {
      TranslationCache cache = ctx.getBean(TranslationCache.class);
      cache.put(key("a"), "A");
      assertThat(cache.nearCacheEntries()).isEqualTo(1);
      seen.set(cache);
    });
    assertThat(seen.get().nearCacheEntries()).as("close() drops the entries").isZero();
    assertThat(seen.get().get(key("a"))).isEmpty();
  }

  @Test
  void enablingTheCacheWithoutItsModuleStopsTheContextNamingTheProperty() {
    runner().withClassLoader(new FilteredClassLoader(TranslationCache.class))
        .withPropertyValues("switchboard.cache.enabled=true")
        .run(ctx -> assertThat(ctx).getFailure()
            .hasStackTraceContaining("switchboard.cache.enabled")
            .hasStackTraceContaining("io.github.switchboard:switchboard-cache"));
    runner().withClassLoader(new FilteredClassLoader(TranslationCache.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(TranslationCache.class));
  }

  /**
   * The same, for real: the starter's classes in a class loader without switchboard-cache and Caffeine
   * (FilteredClassLoader above hides them from the conditions only). The properties class must link and
   * bind there, and the metrics configuration must leave the cache alone.
   */
  @Test
  void withoutTheCacheModuleTheStarterStartsAndEnablingTheCacheIsNamed() throws Exception {
    List<Path> hidden = List.of(location(TranslationCache.class),
        location(com.github.benmanes.caffeine.cache.Caffeine.class));
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<URL> urls = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (!entry.isBlank() && !hidden.contains(Path.of(entry).toAbsolutePath())) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      assertThatThrownBy(() -> Class.forName(TranslationCache.class.getName(), false, loader))
          .as("the module is hidden").isInstanceOf(ClassNotFoundException.class);
      thread.setContextClassLoader(loader);
      Method start = Class.forName(WithoutCacheModuleProbe.class.getName(), true, loader)
          .getMethod("start", String[].class);
      String off = (String) start.invoke(null, (Object) new String[] {"switchboard.cache.name=x",
          "switchboard.cache.time-to-live=1d", "switchboard.cache.near-cache-size=5"});
      assertThat(off).startsWith("started: ").contains("switchboardRateLimiter")
          .doesNotContain("switchboardTranslationCache");
      String on = (String) start.invoke(null, (Object) new String[] {"switchboard.cache.enabled=true"});
      assertThat(on).startsWith("failed:").contains("switchboard.cache.enabled")
          .contains("io.github.switchboard:switchboard-cache").doesNotContain("NoClassDefFoundError");
    } finally {
      thread.setContextClassLoader(before);
    }
  }

  private static Path location(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnCache {
    @Bean
    TranslationCache ownCache() {
      return TranslationCaches.builder("own").build();
    }
  }
}
