package io.github.switchboard.spring;

import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.micrometer.DecoderPoolMetrics;
import io.github.switchboard.micrometer.RateLimiterMetrics;
import io.github.switchboard.micrometer.TranslationCacheMetrics;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.ratelimit.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Binds the meters of the {@code micrometer} module ({@code switchboard.ratelimit.*}, {@code
 * switchboard.pool.*}, {@code switchboard.cache.*}) to Spring's {@link MeterRegistry}, when the application
 * has a registry (Spring Boot's actuator makes one): the starter depends on {@code switchboard-micrometer}
 * and Micrometer, so no other dependency is needed (the condition on their classes stays for an
 * application that excludes them). The auto-configured limiter and pool are replaced by what {@link
 * RateLimiterMetrics#monitor} and {@link DecoderPoolMetrics#monitor} return, tagged {@code name} with {@code
 * switchboard.rate-limit.name} and {@code switchboard.pool.name}; the auto-configured translation cache is
 * monitored by {@link TranslationCacheMetrics#monitor}, tagged with {@code switchboard.cache.name}. A
 * limiter, pool or cache the application defines itself is left as it is: monitor it yourself.
 */
@AutoConfiguration(after = SwitchboardAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, RateLimiterMetrics.class})
public class SwitchboardMetricsAutoConfiguration {

  /** The bean name of the auto-configured limiter. */
  static final String LIMITER_BEAN = "switchboardRateLimiter";

  /** The bean name of the auto-configured pool. */
  static final String POOL_BEAN = "switchboardDecoderPool";

  /**
   * Returns the post-processor that monitors the auto-configured limiter and pool.
   *
   * @param registry the application's meter registry, looked up when the limiter or pool is created
   * @param properties the switchboard.* properties
   * @return the post-processor
   */
  @Bean
  @ConditionalOnMissingBean
  public static SwitchboardMetricsPostProcessor switchboardMetricsPostProcessor(
      ObjectProvider<MeterRegistry> registry, ObjectProvider<SwitchboardProperties> properties) {
    return new SwitchboardMetricsPostProcessor(registry, properties);
  }

  /** Replaces the auto-configured limiter and pool by their monitored instances. */
  public static class SwitchboardMetricsPostProcessor implements BeanPostProcessor {
    private final ObjectProvider<MeterRegistry> registry;
    private final ObjectProvider<SwitchboardProperties> properties;

    SwitchboardMetricsPostProcessor(
        ObjectProvider<MeterRegistry> registry, ObjectProvider<SwitchboardProperties> properties) {
      this.registry = registry;
      this.properties = properties;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
      if (bean instanceof RateLimiter limiter && LIMITER_BEAN.equals(beanName)) {
        MeterRegistry r = registry.getIfUnique();
        return r == null ? bean
            : RateLimiterMetrics.monitor(r, limiter, properties.getObject().getRateLimit().getName());
      }
      if (bean instanceof DecoderPool pool && POOL_BEAN.equals(beanName)) {
        MeterRegistry r = registry.getIfUnique();
        return r == null ? bean : DecoderPoolMetrics.monitor(r, pool, properties.getObject().getPool().getName());
      }
      return bean;
    }
  }

  /** Monitors the auto-configured cache; a configuration of its own, since switchboard-cache is optional. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({TranslationCache.class, TranslationCacheMetrics.class})
  static class CacheMetricsConfiguration {

    /**
     * Returns the post-processor that monitors the auto-configured cache.
     *
     * @param registry the application's meter registry, looked up when the cache is created
     * @return the post-processor
     */
    @Bean
    @ConditionalOnMissingBean
    static SwitchboardCacheMetricsPostProcessor switchboardCacheMetricsPostProcessor(
        ObjectProvider<MeterRegistry> registry) {
      return new SwitchboardCacheMetricsPostProcessor(registry);
    }
  }

  /** Registers the meters of the auto-configured translation cache, tagged with its name (it stays the bean). */
  public static class SwitchboardCacheMetricsPostProcessor implements BeanPostProcessor {
    private final ObjectProvider<MeterRegistry> registry;

    SwitchboardCacheMetricsPostProcessor(ObjectProvider<MeterRegistry> registry) {
      this.registry = registry;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
      if (bean instanceof TranslationCache cache
          && SwitchboardCacheAutoConfiguration.CACHE_BEAN.equals(beanName)) {
        MeterRegistry r = registry.getIfUnique();
        if (r != null) {
          TranslationCacheMetrics.monitor(r, cache, cache.name()); // switchboard.cache.name
        }
      }
      return bean;
    }
  }
}
