package io.github.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The beans, their conditions and their properties, without a web server (ApplicationContextRunner). */
class SwitchboardAutoConfigurationTest {

  static final AutoConfigurations AUTO = AutoConfigurations.of(SwitchboardAutoConfiguration.class,
      SwitchboardWebAutoConfiguration.class, SwitchboardHealthAutoConfiguration.class);

  @TempDir Path dir;

  ApplicationContextRunner runner() {
    return new ApplicationContextRunner().withConfiguration(AUTO)
        .withPropertyValues("switchboard.pool.file=" + dir.resolve("decoder_pool.json"),
            // generous for a loaded CI machine: a first decision (script load, cold JIT) must not fall back
            "switchboard.redis.command-timeout=2s");
  }

  @Test
  void withoutRedisTheLimiterIsInMemoryWithTheDefaultPolicyAndThePoolUsesTheFile() {
    runner().run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(RateLimiter.class).hasSingleBean(DecoderPool.class);
      RateLimiter limiter = ctx.getBean(RateLimiter.class);
      assertThat(limiter.policy()).isEqualTo(RateLimitPolicy.builder()
          .limit(60, Duration.ofMinutes(1)).limit(1000, Duration.ofHours(1)).build());
      assertThat(limiter.backendState()).isEqualTo(BackendState.PRIMARY);
      assertThat(ctx.getBean(SwitchboardRedis.class).target()).isEmpty();
      Health health = ctx.getBean(SwitchboardHealthIndicator.class).health();
      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails()).containsEntry("redis", "NOT_CONFIGURED").containsEntry("nodes", 0)
          .containsEntry("selectableNodes", 0L);
      // no servlet application: no filter
      assertThat(ctx).doesNotHaveBean(FilterRegistrationBean.class);
    });
  }

  @Test
  void propertiesShapeTheLimiter() {
    runner().withPropertyValues("switchboard.rate-limit.algorithm=FIXED_WINDOW",
        "switchboard.rate-limit.limits=2/10s,5/PT1M").run(ctx -> {
          RateLimiter limiter = ctx.getBean(RateLimiter.class);
          assertThat(limiter.policy()).isEqualTo(RateLimitPolicy.builder()
              .algorithm(io.github.switchboard.ratelimit.Algorithm.FIXED_WINDOW)
              .limit(2, Duration.ofSeconds(10)).limit(5, Duration.ofMinutes(1)).build());
          assertThat(limiter.tryAcquire("a").allowed()).isTrue();
          assertThat(limiter.tryAcquire("a").allowed()).isTrue();
          Decision third = limiter.tryAcquire("a");
          assertThat(third.allowed()).isFalse();
          assertThat(third.limit()).isEqualTo(2);
        });
  }

  @Test
  void aBadValueStopsTheContextNamingTheProperty() {
    runner().withPropertyValues("switchboard.rate-limit.limits=60-1m").run(ctx ->
        assertThat(ctx).getFailure()
            .hasStackTraceContaining("switchboard.rate-limit.limits[0] must be COUNT/DURATION"));
    runner().withPropertyValues("switchboard.rate-limit.limits=5/1m,6/60s").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining("switchboard.rate-limit.limits: "));
    runner().withPropertyValues("switchboard.redis.url=memcached://x").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining("switchboard.redis.url: "));
    runner().withPropertyValues("switchboard.rate-limit.key-prefix=a{b").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining("switchboard.rate-limit.key-prefix: "));
    runner().withPropertyValues("switchboard.redis.sync-connections=-1").run(ctx ->
        assertThat(ctx).getFailure().hasStackTraceContaining(
            "switchboard.redis.sync-connections must be between 0 and 1024, was -1"));
  }

  @Test
  void everyBeanBacksOffForTheApplicationsOwn() {
    runner().withPropertyValues("switchboard.rate-limit.http.enabled=true")
        .withUserConfiguration(OwnBeans.class).run(ctx -> {
          assertThat(ctx).hasNotFailed();
          assertThat(ctx.getBean(RateLimiter.class)).isSameAs(OwnBeans.LIMITER);
          assertThat(ctx.getBean(DecoderPool.class)).isSameAs(ctx.getBean("ownPool"));
          assertThat(ctx.getBean(SwitchboardRedis.class)).isSameAs(OwnBeans.REDIS);
        });
    new WebApplicationContextRunner().withConfiguration(AUTO)
        .withPropertyValues("switchboard.rate-limit.http.enabled=true", "switchboard.pool.enabled=false")
        .withUserConfiguration(OwnFilter.class).run(ctx -> {
          assertThat(ctx).hasNotFailed().doesNotHaveBean(DecoderPool.class);
          assertThat(ctx.getBeansOfType(FilterRegistrationBean.class)).containsOnlyKeys("ownFilter");
          assertThat(ctx.getBean(HttpRateLimitKeyResolver.class)).isSameAs(OwnFilter.RESOLVER);
        });
  }

  @Test
  void theFilterIsRegisteredInAServletApplicationWhenEnabled() {
    new WebApplicationContextRunner().withConfiguration(AUTO)
        .withPropertyValues("switchboard.pool.enabled=false").run(ctx ->
            assertThat(ctx).doesNotHaveBean(FilterRegistrationBean.class));
    new WebApplicationContextRunner().withConfiguration(AUTO)
        .withPropertyValues("switchboard.pool.enabled=false", "switchboard.rate-limit.http.enabled=true")
        .run(ctx -> {
          FilterRegistrationBean<?> r = ctx.getBean(FilterRegistrationBean.class);
          assertThat(r.getFilter()).isInstanceOf(RateLimitFilter.class);
          assertThat(r.getOrder()).isEqualTo(RateLimitHttpProperties.DEFAULT_ORDER);
        });
    new WebApplicationContextRunner().withConfiguration(AUTO)
        .withPropertyValues("switchboard.pool.enabled=false", "switchboard.rate-limit.http.enabled=true",
            "switchboard.rate-limit.http.order=5")
        .run(ctx -> assertThat(ctx.getBean(FilterRegistrationBean.class).getOrder()).isEqualTo(5));
  }

  @Test
  void theHealthIndicatorCanBeTurnedOff() {
    runner().withPropertyValues("management.health.switchboard.enabled=false").run(ctx ->
        assertThat(ctx).doesNotHaveBean(SwitchboardHealthIndicator.class));
  }

  @Test
  void springDataRedisUrlPutsTheLimiterAndThePoolOnThatRedis() {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    runner().withPropertyValues("spring.data.redis.url=" + url(redis), "switchboard.pool.name=sb-test",
        "switchboard.rate-limit.key-prefix=sbtest:").run(ctx -> {
          Decision d = ctx.getBean(RateLimiter.class).tryAcquire("client-1");
          assertThat(d.allowed()).isTrue();
          assertThat(d.degraded()).isFalse();
          assertThat(keys(redis, "sbtest:*")).singleElement().asString().startsWith("sbtest:{");
          assertThat(ctx.getBean(DecoderPool.class).backendState()).isEqualTo(BackendState.PRIMARY);
          assertThat(ctx.getBean(SwitchboardHealthIndicator.class).health().getDetails())
              .containsEntry("redis", "UP").containsEntry("degraded", false)
              .containsEntry("target", redis.target().redactedUrl());
        });
  }

  @Test
  void switchboardRedisUrlWinsAndRedisCanBeTurnedOff() {
    RedisServer redis = RedisHarness.sharedStandalone();
    redis.flushAll();
    runner().withPropertyValues("spring.data.redis.url=redis://127.0.0.1:1",
        "switchboard.redis.url=" + url(redis), "switchboard.pool.enabled=false").run(ctx -> {
          assertThat(ctx.getBean(RateLimiter.class).tryAcquire("c").degraded()).isFalse();
          assertThat(keys(redis, "switchboard:rl:*")).hasSize(1);
        });
    runner().withPropertyValues("spring.data.redis.url=" + url(redis), "switchboard.redis.enabled=false")
        .run(ctx -> assertThat(ctx.getBean(SwitchboardRedis.class).target()).isEmpty());
    runner().withPropertyValues("switchboard.redis.url=" + url(redis), "switchboard.pool.enabled=false")
        .run(ctx -> assertThat(ctx.getBean(SwitchboardRedis.class).options().syncConnections())
            .isEqualTo(RedisOptions.DEFAULT_SYNC_CONNECTIONS));
    runner().withPropertyValues("switchboard.redis.url=" + url(redis), "switchboard.pool.enabled=false",
        "switchboard.redis.sync-connections=0").run(ctx -> {
          assertThat(ctx.getBean(SwitchboardRedis.class).options().syncConnections()).isZero();
          assertThat(ctx.getBean(RateLimiter.class).tryAcquire("d").degraded()).isFalse();
        });
  }

  @Test
  void anAclUserFromSpringSettings() {
    try (RedisServer redis = RedisHarness.acl("svc", "pa ss:@/")) {
      runner().withPropertyValues("spring.data.redis.host=127.0.0.1",
          "spring.data.redis.port=" + redis.port(), "spring.data.redis.username=svc",
          "spring.data.redis.password=pa ss:@/", "switchboard.pool.enabled=false").run(ctx -> {
            assertThat(ctx.getBean(RateLimiter.class).tryAcquire("c").degraded()).isFalse();
            assertThat(keys(redis, "switchboard:rl:*")).hasSize(1);
          });
    }
  }

  @Test
  void tlsFromSpringSettingsWithATrustedCertificate() {
    try (RedisServer redis = RedisHarness.tls()) {
      runner().withPropertyValues("spring.data.redis.host=127.0.0.1",
          "spring.data.redis.port=" + redis.port(), "spring.data.redis.ssl.enabled=true",
          "switchboard.redis.trusted-certificate=" + redis.certificate(), "switchboard.pool.enabled=false")
          .run(ctx -> {
            assertThat(ctx.getBean(SwitchboardRedis.class).target().orElseThrow().tls()).isTrue();
            assertThat(ctx.getBean(RateLimiter.class).tryAcquire("c").degraded()).isFalse();
            assertThat(keys(redis, "switchboard:rl:*")).hasSize(1);
          });
    }
  }

  static String url(RedisServer redis) {
    return "redis://127.0.0.1:" + redis.port();
  }

  @SuppressWarnings("unchecked")
  static List<String> keys(RedisServer redis, String pattern) {
    return (List<String>) redis.call("KEYS", pattern);
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    static final RateLimiter LIMITER =
        RateLimiters.builder(RateLimitPolicy.builder().limit(1, Duration.ofSeconds(1)).build()).build();
    static final SwitchboardRedis REDIS = SwitchboardRedis.none();

    @Bean
    RateLimiter ownLimiter() {
      return LIMITER;
    }

    @Bean
    DecoderPool ownPool() {
      return DecoderPools.builder("own").build();
    }

    @Bean
    SwitchboardRedis ownRedis() {
      return REDIS;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilter {
    static final HttpRateLimitKeyResolver RESOLVER = request -> "one";

    @Bean
    HttpRateLimitKeyResolver ownResolver() {
      return RESOLVER;
    }

    @Bean
    FilterRegistrationBean<RateLimitFilter> ownFilter(RateLimiter limiter) {
      return new FilterRegistrationBean<>(new RateLimitFilter(limiter, List.of("/x/**"), RESOLVER));
    }
  }
}
