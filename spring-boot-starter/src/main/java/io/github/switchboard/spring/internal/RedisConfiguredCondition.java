package io.github.switchboard.spring.internal;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the properties name a Redis for Switchboard: {@code switchboard.redis.enabled} is not
 * {@code false}, and {@code switchboard.redis.url} or any {@code spring.data.redis.*} naming a server is
 * set.
 */
public final class RedisConfiguredCondition extends SpringBootCondition {

  /** Creates the condition (Spring does). */
  public RedisConfiguredCondition() {}

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    Environment env = context.getEnvironment();
    if ("false".equalsIgnoreCase(env.getProperty("switchboard.redis.enabled", "true").strip())) {
      return ConditionOutcome.noMatch("switchboard.redis.enabled is false");
    }
    if (env.containsProperty("switchboard.redis.url")) {
      return ConditionOutcome.match("switchboard.redis.url is set");
    }
    if (SpringRedisTarget.isSet(env)) {
      return ConditionOutcome.match("spring.data.redis.* names a Redis");
    }
    return ConditionOutcome.noMatch("neither switchboard.redis.url nor spring.data.redis.* is set");
  }
}
