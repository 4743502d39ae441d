package io.github.switchboard.spring;

import io.github.switchboard.core.BackendState;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code switchboard} health component. Its status is {@code UP} as long as the limiter and the pool
 * answer, which they do while Redis is down (from their fallbacks): an outage of Redis degrades Switchboard,
 * it does not take the application out of service. The details say which:
 *
 * <ul>
 *   <li>{@code redis}: {@code UP} (every component on Redis), {@code FALLBACK} (at least one answers from
 *       its fallback, or probes whether Redis is back), or {@code NOT_CONFIGURED};
 *   <li>{@code degraded}: true exactly when {@code redis} is {@code FALLBACK};
 *   <li>{@code target}: the Redis URL, without its password;
 *   <li>{@code rateLimiter}, {@code pool}: each component's backend state ({@code PRIMARY}, {@code
 *       FALLBACK}, {@code PROBING});
 *   <li>{@code nodes}, {@code selectableNodes}: the pool's size and how many nodes {@code select} may
 *       choose.
 * </ul>
 */
public class SwitchboardHealthIndicator implements HealthIndicator {

  private final SwitchboardRedis redis;
  private final @Nullable RateLimiter limiter;
  private final @Nullable DecoderPool pool;

  /**
   * Creates the indicator.
   *
   * @param redis the Redis the components use
   * @param limiter the limiter, or null if the application has none
   * @param pool the pool, or null if the application has none
   */
  public SwitchboardHealthIndicator(
      SwitchboardRedis redis, @Nullable RateLimiter limiter, @Nullable DecoderPool pool) {
    this.redis = redis;
    this.limiter = limiter;
    this.pool = pool;
  }

  @Override
  public Health health() {
    Health.Builder b = Health.up();
    boolean degraded = false;
    if (limiter != null) {
      BackendState s = limiter.backendState();
      b.withDetail("rateLimiter", s.name());
      degraded = s != BackendState.PRIMARY;
    }
    if (pool != null) {
      BackendState s = pool.backendState();
      b.withDetail("pool", s.name());
      degraded |= s != BackendState.PRIMARY;
      List<NodeView> nodes = pool.nodes();
      long selectable = nodes.stream().filter(NodeView::selectable).count();
      b.withDetail("nodes", nodes.size()).withDetail("selectableNodes", selectable);
    }
    if (redis.backend().isPresent()) {
      b.withDetail("redis", degraded ? "FALLBACK" : "UP").withDetail("degraded", degraded)
          .withDetail("target", redis.backend().get().describe());
    } else {
      b.withDetail("redis", "NOT_CONFIGURED").withDetail("degraded", false);
    }
    return b.build();
  }
}
