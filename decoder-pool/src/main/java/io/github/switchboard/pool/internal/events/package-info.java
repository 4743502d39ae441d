/**
 * Pool events: their construction ({@code PoolEvents}), the events between two snapshots
 * ({@code SnapshotDiff}) and the queue that delivers them to listeners ({@code PoolEventDispatcher}).
 * Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.events;

import org.jspecify.annotations.NullMarked;
