package io.github.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.switchboard.core.testing.RedisDeployment;
import io.github.switchboard.core.testing.RedisExtension;
import io.github.switchboard.core.testing.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The breaker between Redis and the fallback lives in the user's registry, as {@code switchboard-<pool>}. */
class PoolCircuitBreakerRegistryTest {
  @RegisterExtension static RedisExtension<RedisDeployment> redis = RedisExtension.shared(Topology.STANDALONE);

  @Test
  void theBreakerIsCreatedInTheRegistryUnderThePoolsNameAndSeesTheCalls() {
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    try (DecoderPool pool = DecoderPools.builder("breaker-pool")
        .redis(redis.deployment().target())
        .redisOptions(redis.deployment().options())
        .sweepInterval(PoolTesting.NEVER)
        .circuitBreakerRegistry(registry)
        .build()) {
      assertThat(registry.find("switchboard-breaker-pool")).isPresent();
      CircuitBreaker breaker = registry.circuitBreaker("switchboard-breaker-pool");
      int before = breaker.getMetrics().getNumberOfSuccessfulCalls();
      assertThat(pool.register(PoolTesting.node("d1").build())).isTrue();
      assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isGreaterThan(before);
    }
  }
}
