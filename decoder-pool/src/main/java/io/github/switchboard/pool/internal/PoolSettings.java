package io.github.switchboard.pool.internal;

import io.github.switchboard.core.BackendListener;
import io.github.switchboard.core.TimeSource;
import io.github.switchboard.pool.HealthCheckConfig;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The pool-level settings of {@link io.github.switchboard.pool.DecoderPools.Builder}, checked.
 *
 * @param poolName the pool's name
 * @param staleAfter heartbeat age after which a node is not selected
 * @param evictAfter heartbeat age after which a dynamic node is removed
 * @param sweepInterval how often the liveness sweeper runs
 * @param maxEvictionShare the largest share of nodes one sweep removes
 * @param healthChecks the health checks
 * @param timeSource the clock
 * @param seed the selection seed, or null for an unseeded random
 * @param backendListeners listeners of backend transitions
 * @param writeTimeout how long a synchronous write waits
 */
public record PoolSettings(
    String poolName,
    Duration staleAfter,
    Duration evictAfter,
    Duration sweepInterval,
    double maxEvictionShare,
    HealthCheckConfig healthChecks,
    TimeSource timeSource,
    @Nullable Long seed,
    List<BackendListener> backendListeners,
    Duration writeTimeout) {}
