package io.github.switchboard.spring;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.LimitPlansBuilder;
import io.github.switchboard.ratelimit.PlanWriteException;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import io.github.switchboard.ratelimit.RateLimiter;
import io.github.switchboard.ratelimit.RateLimiters;
import io.github.switchboard.spring.internal.RedisConfiguredCondition;
import io.github.switchboard.spring.internal.SpringRedisTarget;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * Auto-configures a {@link RateLimiter}, its {@link LimitPlans} and a {@link DecoderPool} from {@link
 * SwitchboardProperties}, all on one {@link RedisBackend} (so they share one Redis connection): the
 * application's {@code RedisBackend} bean if it defines one, else one of {@code switchboard.redis.url},
 * else of Spring's {@code spring.data.redis.*} when any of those is set, else none (an in-memory limiter
 * and plans, a file pool). Each bean is created only if the application defines none of its type.
 */
@AutoConfiguration
@EnableConfigurationProperties(SwitchboardProperties.class)
public class SwitchboardAutoConfiguration {

  private static final Logger LOG = LoggerFactory.getLogger(SwitchboardAutoConfiguration.class);

  /**
   * The one Redis backend of every auto-configured component, from {@code switchboard.redis.url}, else
   * Spring's {@code spring.data.redis.*}, with {@code switchboard.redis.*} timeouts, TLS trust and
   * synchronous connections, and the application's resilience4j registry if it has exactly one. Created
   * only when those properties name a Redis (and {@code switchboard.redis.enabled} is not false), and only
   * if the application defines no {@link RedisBackend} of its own.
   *
   * @param properties the switchboard.* properties
   * @param environment where spring.data.redis.* is read
   * @param breakers the application's resilience4j registry, if it has one: the components' circuit
   *     breakers are created in it, as {@code switchboard-NAME}
   * @return the backend
   * @throws IllegalArgumentException if a URL or a spring.data.redis.* setting is invalid or cannot be
   *     expressed (the message names the property)
   */
  @Bean
  @ConditionalOnMissingBean
  @Conditional(RedisConfiguredCondition.class)
  public RedisBackend switchboardRedisBackend(SwitchboardProperties properties, Environment environment,
      ObjectProvider<CircuitBreakerRegistry> breakers) {
    SwitchboardProperties.Redis p = properties.getRedis();
    RedisTarget target;
    String source;
    if (p.getUrl() != null) {
      try {
        target = RedisTarget.parse(p.getUrl());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("switchboard.redis.url: " + e.getMessage(), e);
      }
      source = "switchboard.redis.url";
    } else {
      target = SpringRedisTarget.from(environment).orElseThrow(() -> new IllegalStateException(
          "spring.data.redis.* names no Redis"));
      source = "spring.data.redis.*";
      if (p.getTrustedCertificate() == null && environment.containsProperty("spring.data.redis.ssl.bundle")) {
        LOG.warn("Switchboard: spring.data.redis.ssl.bundle turns TLS on, but Switchboard does not read SSL "
            + "bundles: it trusts the JVM's trust store unless switchboard.redis.trusted-certificate names "
            + "a PEM file");
      }
    }
    RedisOptions.Builder options = RedisOptions.builder()
        .commandTimeout(p.getCommandTimeout())
        .connectTimeout(p.getConnectTimeout())
        .syncConnections(p.getSyncConnections());
    if (p.getTrustedCertificate() != null) {
      try {
        options.trustedCertificate(p.getTrustedCertificate());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("switchboard.redis.trusted-certificate: " + e.getMessage(), e);
      }
    }
    LOG.info("Switchboard: Redis {} (from {})", target.redactedUrl(), source);
    RedisBackend backend = RedisBackend.of(target).withOptions(options.build());
    CircuitBreakerRegistry registry = breakers.getIfUnique();
    return registry == null ? backend : backend.withCircuitBreakerRegistry(registry);
  }

  /**
   * The Redis of the limiter, the plans, the pool and the cache: the {@link RedisBackend} bean (the
   * application's, else the one of the properties), or none.
   *
   * @param properties the switchboard.* properties
   * @param backend the backend bean, if there is one
   * @return the Redis, or none
   */
  @Bean
  @ConditionalOnMissingBean
  public SwitchboardRedis switchboardRedis(SwitchboardProperties properties, ObjectProvider<RedisBackend> backend) {
    RedisBackend b = backend.getIfUnique();
    if (b != null) {
      return SwitchboardRedis.of(b);
    }
    if (!properties.getRedis().isEnabled()) {
      LOG.info("Switchboard: switchboard.redis.enabled=false; in-memory rate limiter and file pool");
    } else {
      LOG.info("Switchboard: no Redis configured (neither switchboard.redis.url nor spring.data.redis.*); "
          + "in-memory rate limiter and file pool");
    }
    return SwitchboardRedis.none();
  }

  /**
   * The rate limiter of {@code switchboard.rate-limit.*}.
   *
   * @param properties the switchboard.* properties
   * @param redis the Redis to use
   * @param breakers the application's resilience4j registry, if it has one: the limiter's circuit breaker
   *     is created in it, as {@code switchboard-NAME}
   * @return the limiter, closed with the context
   * @throws IllegalArgumentException if the limits break a rule (the message names the property)
   */
  @Bean
  @ConditionalOnMissingBean
  public RateLimiter switchboardRateLimiter(SwitchboardProperties properties, SwitchboardRedis redis,
      ObjectProvider<CircuitBreakerRegistry> breakers, LimitPlans plans) {
    SwitchboardProperties.RateLimit p = properties.getRateLimit();
    RateLimiters.Builder b = RateLimiters.builder(p.toPolicy())
        .name(p.getName())
        .keyPrefix(p.getKeyPrefix())
        .fallback(p.getFallback())
        .expectedInstances(p.getExpectedInstances())
        .plans(plans);
    redis.backend().ifPresent(b::redis);
    breakers.ifUnique(b::circuitBreakerRegistry);
    return b.build();
  }

  /**
   * The limiter's plans, named {@code switchboard.rate-limit.name}: shared through the same Redis as the
   * limiter (every instance of that name on it sees the same plans and assignments), else in memory. At
   * start the plans of {@code switchboard.rate-limit.plans.NAME.*} are put (replacing a stored plan of the
   * same name; other stored plans are left alone). The application puts keys on plans with {@link
   * LimitPlans#assign(String, String)}; keys on no plan get {@code switchboard.rate-limit.limits}.
   *
   * <p>Redis unreachable at start: the application still starts, as the limiter does; a plan Redis does not
   * take is logged at WARN (the plans last stored in Redis apply once it answers) and is put again at the
   * next start.
   *
   * @param properties the switchboard.* properties
   * @param redis the Redis to use
   * @return the plans, closed with the context
   * @throws IllegalArgumentException naming the property if a plan's name or limits break a rule
   */
  @Bean
  @ConditionalOnMissingBean
  public LimitPlans switchboardLimitPlans(SwitchboardProperties properties, SwitchboardRedis redis) {
    SwitchboardProperties.RateLimit p = properties.getRateLimit();
    Map<String, RateLimitPolicy> configured = new LinkedHashMap<>();
    p.getPlans().forEach((name, plan) -> configured.put(name, plan.toPolicy(name)));
    LimitPlansBuilder b;
    try {
      b = LimitPlans.builder(p.getName());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "switchboard.rate-limit.name (also the name of the limiter's plans): " + e.getMessage(), e);
    }
    redis.backend().ifPresent(b::redis);
    LimitPlans plans = b.build();
    try {
      configured.forEach((name, policy) -> put(plans, name, policy));
    } catch (RuntimeException e) {
      plans.close();
      throw e;
    }
    if (!configured.isEmpty()) {
      LOG.info("Switchboard: rate limit plans {} put from switchboard.rate-limit.plans", configured.keySet());
    }
    return plans;
  }

  private static void put(LimitPlans plans, String name, RateLimitPolicy policy) {
    try {
      plans.putPlan(name, policy);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("switchboard.rate-limit.plans." + name + ": " + e.getMessage(), e);
    } catch (PlanWriteException e) {
      LOG.warn("Switchboard: the plan switchboard.rate-limit.plans.{} was not written to Redis ({}); the "
          + "plans last stored there apply until the next start", name, e.getMessage());
    }
  }

  /**
   * The decoder pool of {@code switchboard.pool.*}.
   *
   * @param properties the switchboard.* properties
   * @param redis the Redis to use
   * @return the pool, closed with the context
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBooleanProperty(name = "switchboard.pool.enabled", matchIfMissing = true)
  public DecoderPool switchboardDecoderPool(SwitchboardProperties properties, SwitchboardRedis redis) {
    SwitchboardProperties.Pool p = properties.getPool();
    DecoderPools.Builder b = DecoderPools.builder(p.getName()).file(p.getFile());
    redis.backend().ifPresent(b::redis);
    return b.build();
  }
}
