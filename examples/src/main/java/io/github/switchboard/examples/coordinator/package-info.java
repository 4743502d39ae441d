/**
 * The example coordinator: a small HTTP server that keeps a {@link io.github.switchboard.pool.DecoderPool}
 * of decoder nodes, routes translation requests to them and limits each API key with a
 * {@link io.github.switchboard.ratelimit.RateLimiter}. Run it with {@link
 * io.github.switchboard.examples.coordinator.CoordinatorMain} (configured by environment variables) or
 * embed it with {@link io.github.switchboard.examples.coordinator.Coordinator#start(CoordinatorConfig)}.
 */
@NullMarked
package io.github.switchboard.examples.coordinator;

import org.jspecify.annotations.NullMarked;
