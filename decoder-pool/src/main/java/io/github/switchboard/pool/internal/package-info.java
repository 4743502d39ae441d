/**
 * The decoder pool's implementation, assembled: {@link io.github.switchboard.pool.internal.DefaultDecoderPool}
 * (the pool over a store), {@link io.github.switchboard.pool.internal.PoolFactory} (which store for which
 * settings) and {@link io.github.switchboard.pool.internal.RedisPoolWriter} (writes without a pool). This
 * package uses its
 * sub-packages; none of them uses it. Internal: may change without notice; its public classes are public
 * for {@code io.github.switchboard.pool} only.
 */
@NullMarked
package io.github.switchboard.pool.internal;

import org.jspecify.annotations.NullMarked;
