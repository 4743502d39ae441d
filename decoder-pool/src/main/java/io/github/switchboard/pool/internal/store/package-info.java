/**
 * The store SPI ({@code PoolStore}), the changes a store applies ({@code PoolChange}), the store
 * settings, and the in-memory store. Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.store;

import org.jspecify.annotations.NullMarked;
