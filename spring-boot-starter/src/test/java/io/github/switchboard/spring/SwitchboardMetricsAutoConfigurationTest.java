package io.github.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationKey;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.ratelimit.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The micrometer module's meters on the application's MeterRegistry. */
class SwitchboardMetricsAutoConfigurationTest {

  @TempDir Path dir;

  ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SwitchboardAutoConfiguration.class,
            SwitchboardCacheAutoConfiguration.class, SwitchboardMetricsAutoConfiguration.class))
        .withPropertyValues("switchboard.pool.file=" + dir.resolve("decoder_pool.json"),
            "switchboard.rate-limit.limits=1/1m", "switchboard.rate-limit.name=api", "switchboard.pool.name=eu");
  }

  @Test
  void decisionsAndPoolGaugesAreRecordedInTheApplicationsRegistry() {
    runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(ctx -> {
      MeterRegistry registry = ctx.getBean(MeterRegistry.class);
      RateLimiter limiter = ctx.getBean(RateLimiter.class);
      limiter.tryAcquire("a");
      limiter.tryAcquire("a");
      assertThat(registry.get("switchboard.ratelimit.decisions").tag("name", "api")
          .tag("outcome", "allowed").tag("degraded", "false").counter().count()).isEqualTo(1);
      assertThat(registry.get("switchboard.ratelimit.decisions").tag("name", "api")
          .tag("outcome", "denied").tag("degraded", "false").counter().count()).isEqualTo(1);
      assertThat(registry.get("switchboard.ratelimit.backend").tag("name", "api").gauge().value()).isEqualTo(1);
      assertThat(ctx.getBean(DecoderPool.class)).isNotNull();
      assertThat(registry.get("switchboard.pool.nodes").tag("name", "eu").tag("state", "selectable")
          .gauge().value()).isZero();
      assertThat(registry.get("switchboard.pool.backend").tag("name", "eu").gauge().value()).isEqualTo(1);
    });
  }

  @Test
  void withoutARegistryTheBeansAreLeftAsTheyAre() {
    runner().run(ctx -> {
      assertThat(ctx).hasNotFailed();
      assertThat(ctx.getBean(RateLimiter.class).getClass().getName()).contains(".ratelimit.internal.");
    });
  }

  @Test
  void theCachesMetersAreRecordedTaggedWithItsName() {
    runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("switchboard.cache.enabled=true", "switchboard.cache.name=tr").run(ctx -> {
          MeterRegistry registry = ctx.getBean(MeterRegistry.class);
          TranslationCache cache = ctx.getBean(TranslationCache.class);
          TranslationKey key = TranslationKey.builder("en", "es", "hello").build();
          cache.getOrLoad(key, k -> "hola");
          cache.get(key);
          assertThat(registry.get("switchboard.cache.gets").tag("name", "tr").tag("result", "miss")
              .functionCounter().count()).isEqualTo(1);
          assertThat(registry.get("switchboard.cache.gets").tag("name", "tr").tag("result", "hit")
              .functionCounter().count()).isEqualTo(1);
          assertThat(registry.get("switchboard.cache.loads").tag("name", "tr").tag("result", "success")
              .functionCounter().count()).isEqualTo(1);
          assertThat(registry.get("switchboard.cache.load.latency").tag("name", "tr").functionTimer().count())
              .isEqualTo(1);
          assertThat(registry.get("switchboard.cache.backend").tag("name", "tr").gauge().value()).isEqualTo(1);
        });
  }

  @Test
  void withoutTheCacheTheOtherMetersAreStillBound() {
    runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(ctx -> {
      assertThat(ctx).hasNotFailed().doesNotHaveBean(TranslationCache.class);
      assertThat(ctx.getBean(MeterRegistry.class).find("switchboard.cache.gets").meters()).isEmpty();
    });
    runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withClassLoader(new FilteredClassLoader(TranslationCache.class)).run(ctx -> {
          assertThat(ctx).hasNotFailed();
          ctx.getBean(RateLimiter.class).tryAcquire("a");
          assertThat(ctx.getBean(MeterRegistry.class).get("switchboard.ratelimit.decisions").tag("name", "api")
              .tag("outcome", "allowed").tag("degraded", "false").counter().count()).isEqualTo(1);
        });
  }
}
