/**
 * The Redis store: {@code RedisPoolStore} and its parts (writes, heartbeats, subscription, resync,
 * seeding, paged reads, tombstone pruning), each owning its state; the Lua scripts sit next to them.
 * Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.redis;

import org.jspecify.annotations.NullMarked;
