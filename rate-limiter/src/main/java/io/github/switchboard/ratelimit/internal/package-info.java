/**
 * Implementations of the rate limiter: in memory, on Redis, and the guarded combination. Internal: may
 * change without notice. The Redis scripts' contract ({@link
 * io.github.switchboard.ratelimit.internal.RedisRateLimiter#scriptFor}, {@code keysFor}, {@code argsFor})
 * is kept stable for the benchmarks.
 */
@NullMarked
package io.github.switchboard.ratelimit.internal;

import org.jspecify.annotations.NullMarked;
