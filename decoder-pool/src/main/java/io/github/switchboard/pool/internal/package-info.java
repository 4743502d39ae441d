/**
 * The decoder pool's implementations: the store SPI ({@link io.github.switchboard.pool.internal.PoolStore})
 * and its memory, file and Redis stores, the pool over a store, selection, health checks and the JSON codec.
 * Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal;

import org.jspecify.annotations.NullMarked;
