/**
 * The data structures a snapshot is made of and selection reads: node records by slot, the id trie, the
 * class tree and the cost trees. Persistent (a change copies a path); uses nothing else of the pool's
 * implementation. Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.index;

import org.jspecify.annotations.NullMarked;
