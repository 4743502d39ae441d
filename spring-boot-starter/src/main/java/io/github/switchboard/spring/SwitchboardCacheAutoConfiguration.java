package io.github.switchboard.spring;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.cache.TranslationCache;
import io.github.switchboard.cache.TranslationCaches;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configures a {@link TranslationCache} from {@code switchboard.cache.*} when {@code
 * switchboard.cache.enabled} is true, on the same {@link io.github.switchboard.core.RedisBackend} as the
 * limiter and the pool ({@link SwitchboardRedis}), sharing their connection, else in this process only. The bean is created only if the application defines no
 * {@code TranslationCache}, and closed with the context. {@code switchboard-cache} is an optional dependency
 * of the starter: enabling the cache without it stops the application with a message naming the property.
 */
@AutoConfiguration(after = SwitchboardAutoConfiguration.class)
@ConditionalOnBooleanProperty("switchboard.cache.enabled")
public class SwitchboardCacheAutoConfiguration {

  /** The bean name of the auto-configured cache. */
  static final String CACHE_BEAN = "switchboardTranslationCache";

  /** The cache, when {@code switchboard-cache} is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(TranslationCache.class)
  static class CacheConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchboardCacheAutoConfiguration.class);

    /**
     * The translation cache of {@code switchboard.cache.*}.
     *
     * @param properties the switchboard.* properties (checked when bound)
     * @param redis the Redis of the limiter and the pool
     * @param breakers the application's resilience4j registry, if it has one: the cache's circuit breaker
     *     is created in it, as {@code switchboard-NAME}
     * @return the cache, closed with the context
     */
    @Bean(CACHE_BEAN)
    @ConditionalOnMissingBean
    TranslationCache switchboardTranslationCache(SwitchboardProperties properties, SwitchboardRedis redis,
        ObjectProvider<CircuitBreakerRegistry> breakers) {
      SwitchboardProperties.Cache p = properties.getCache();
      TranslationCaches.Builder b = TranslationCaches.builder(p.getName())
          .timeToLive(p.getTimeToLive())
          .nearCacheSize(p.getNearCacheSize());
      redis.backend().ifPresent(b::redis);
      breakers.ifUnique(b::circuitBreakerRegistry);
      if (redis.backend().isEmpty()) {
        LOG.info("Switchboard: translation cache '{}' in this process only (no Redis), {} entries",
            p.getName(), p.getNearCacheSize());
      }
      return b.build();
    }
  }

  /** Stops the application: the cache is enabled but its module is missing. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingClass("io.github.switchboard.cache.TranslationCache")
  static class CacheModuleMissing {
    CacheModuleMissing() {
      throw new InvalidConfigurationPropertyValueException("switchboard.cache.enabled", "true",
          "the translation cache needs io.github.switchboard:switchboard-cache on the class path; add that "
              + "dependency, or set switchboard.cache.enabled=false");
    }
  }
}
