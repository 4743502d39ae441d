/**
 * The decoder pool: a registry of decoder nodes ({@link io.github.switchboard.pool.DecoderNode}) shared
 * between coordinators, with liveness, health checks and load-, language- and region-aware selection.
 * Start at {@link io.github.switchboard.pool.DecoderPools#builder(String)}.
 */
@NullMarked
package io.github.switchboard.pool;

import org.jspecify.annotations.NullMarked;
