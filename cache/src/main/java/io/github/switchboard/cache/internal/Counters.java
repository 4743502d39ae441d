package io.github.switchboard.cache.internal;

import io.github.switchboard.cache.CacheStats;
import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link CacheStats}; LongAdders, so that counting costs no contention. */
final class Counters {
  final LongAdder nearHits = new LongAdder();
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder loadSuccesses = new LongAdder();
  final LongAdder loadFailures = new LongAdder();
  final LongAdder sharedLoads = new LongAdder();
  final LongAdder loadNanos = new LongAdder();
  final LongAdder notCached = new LongAdder();
  final LongAdder corrupt = new LongAdder();

  CacheStats snapshot() {
    return new CacheStats(
        nearHits.sum(),
        hits.sum(),
        misses.sum(),
        loadSuccesses.sum(),
        loadFailures.sum(),
        sharedLoads.sum(),
        loadNanos.sum(),
        notCached.sum(),
        corrupt.sum());
  }
}
