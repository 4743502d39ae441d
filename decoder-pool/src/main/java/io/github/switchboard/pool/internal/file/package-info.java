/**
 * The pool file: the file store ({@code FilePoolStore}) with its process-wide locks, the write journal
 * kept while Redis is away ({@code PoolJournal}) and the copy between journal, file and snapshot
 * ({@code PoolFileSync}). Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.file;

import org.jspecify.annotations.NullMarked;
