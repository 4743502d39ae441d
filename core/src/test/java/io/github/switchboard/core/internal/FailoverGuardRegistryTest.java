package io.github.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A guard given a registry creates its breaker there, named "switchboard-" + its name. */
class FailoverGuardRegistryTest {
  private static final Duration TIMEOUT = Duration.ofMillis(100);

  @Test
  void theBreakerIsCreatedInTheRegistry() {
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    FailoverGuard g =
        new FailoverGuard("limiter", FailoverGuard.defaultConfig(TIMEOUT), TIMEOUT, registry);
    assertThat(registry.find("switchboard-limiter")).containsSame(g.circuitBreaker());
    assertThat(g.circuitBreaker().getCircuitBreakerConfig().getSlowCallDurationThreshold())
        .isEqualTo(TIMEOUT);
  }

  @Test
  void withoutARegistryTheBreakerHasTheSameName() {
    FailoverGuard g = new FailoverGuard("pool", FailoverGuard.defaultConfig(TIMEOUT), TIMEOUT, null);
    assertThat(g.circuitBreaker().getName()).isEqualTo(FailoverGuard.breakerName("pool"));
  }
}
