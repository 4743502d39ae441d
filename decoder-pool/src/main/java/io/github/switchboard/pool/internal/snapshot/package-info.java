/**
 * {@code PoolSnapshot}: one immutable revision of the pool (nodes, runtime states, A/B tests) over the
 * structures of {@code index}, and its views. Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.snapshot;

import org.jspecify.annotations.NullMarked;
