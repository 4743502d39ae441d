/**
 * Selection: {@code Selector} chooses a node for a request from a snapshot, by the class index
 * ({@code IndexedSelection}) or by a scan ({@code ScanSelection}). Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.select;

import org.jspecify.annotations.NullMarked;
