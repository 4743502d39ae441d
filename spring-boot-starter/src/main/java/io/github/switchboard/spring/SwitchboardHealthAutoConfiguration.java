package io.github.switchboard.spring;

import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.ratelimit.RateLimiter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configures the {@code switchboard} health component ({@link SwitchboardHealthIndicator}) when
 * Spring Boot's health support is present and {@code management.health.switchboard.enabled} is not false.
 */
@AutoConfiguration(after = SwitchboardAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnEnabledHealthIndicator("switchboard")
public class SwitchboardHealthAutoConfiguration {

  /**
   * The {@code switchboard} health indicator (its bean name gives the component's name).
   *
   * @param redis the Redis of the components
   * @param limiter the limiter, if there is exactly one
   * @param pool the pool, if there is exactly one
   * @return the indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "switchboardHealthIndicator")
  public SwitchboardHealthIndicator switchboardHealthIndicator(ObjectProvider<SwitchboardRedis> redis,
      ObjectProvider<RateLimiter> limiter, ObjectProvider<DecoderPool> pool) {
    return new SwitchboardHealthIndicator(redis.getIfAvailable(SwitchboardRedis::none),
        limiter.getIfUnique(), pool.getIfUnique());
  }
}
