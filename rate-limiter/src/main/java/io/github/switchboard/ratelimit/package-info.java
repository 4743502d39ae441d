/**
 * A distributed rate limiter: exact, one Redis round trip per decision, four algorithms, and a fallback
 * that never throws when Redis is down.
 *
 * <p>Start with {@link io.github.switchboard.ratelimit.RateLimitPolicy#builder()} and {@link
 * io.github.switchboard.ratelimit.RateLimiters#builder(RateLimitPolicy)}. The exact semantics of each
 * algorithm, the Redis key layout and the Lua scripts' contract are described in the module's README.
 *
 * <p><b>Several limits.</b> A policy may hold several limits; a request is allowed only if every limit
 * allows it, and then it is recorded in every limit (a denied request records nothing). A {@link
 * io.github.switchboard.ratelimit.Decision} reports one limit: when allowed, the one with the fewest
 * remaining permits (the first in window order on a tie); when denied, the denying one with the longest
 * retry-after (the first in window order on a tie).
 */
@NullMarked
package io.github.switchboard.ratelimit;

import org.jspecify.annotations.NullMarked;
