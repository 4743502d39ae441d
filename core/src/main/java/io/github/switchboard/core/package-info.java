/**
 * Switchboard's shared plumbing: where Redis is ({@link io.github.switchboard.core.RedisTarget}), how to
 * talk to it ({@link io.github.switchboard.core.RedisOptions}), the clock
 * ({@link io.github.switchboard.core.TimeSource}) and the state of a Redis-backed component with a local
 * fallback ({@link io.github.switchboard.core.BackendState}).
 */
@NullMarked
package io.github.switchboard.core;

import org.jspecify.annotations.NullMarked;
