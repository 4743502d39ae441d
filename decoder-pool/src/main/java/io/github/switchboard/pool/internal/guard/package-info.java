/**
 * {@code GuardedPoolStore}: Redis guarded by a circuit breaker, with a fallback store (memory or file)
 * while Redis is away, the file mirror, and the bound on writes in flight. Internal: may change without
 * notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.guard;

import org.jspecify.annotations.NullMarked;
