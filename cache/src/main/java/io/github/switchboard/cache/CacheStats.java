package io.github.switchboard.cache;

/**
 * What a cache has done since it was built: monotonic counters, read together but not atomically.
 *
 * @param nearHits gets answered by the near cache (the process's memory)
 * @param hits gets answered by Redis (or, for a cache without Redis, by its memory)
 * @param misses gets that found nothing (each {@code getOrLoad} miss then loads or waits for a load)
 * @param loadSuccesses loads that this instance ran and that returned a value
 * @param loadFailures loads that this instance ran and that failed (nothing was cached)
 * @param sharedLoads {@code getOrLoad} calls that received the value of a load run by another caller, in
 *     this process or on another instance, instead of loading themselves: the decodes saved
 * @param totalLoadNanos time spent in the loads this instance ran, successful or not
 * @param notCached values returned but not stored because they exceeded {@code maxValueBytes}
 * @param corruptValues values found in Redis that could not be read (treated as misses and replaced)
 */
public record CacheStats(
    long nearHits,
    long hits,
    long misses,
    long loadSuccesses,
    long loadFailures,
    long sharedLoads,
    long totalLoadNanos,
    long notCached,
    long corruptValues) {

  /**
   * Returns the share of gets answered without a load, near or remote.
   *
   * @return hits over all gets, 1.0 when there was no get
   */
  public double hitRatio() {
    long total = nearHits + hits + misses;
    return total == 0 ? 1.0 : (double) (nearHits + hits) / total;
  }

  /**
   * Returns the number of loads this instance ran.
   *
   * @return successes plus failures
   */
  public long loads() {
    return loadSuccesses + loadFailures;
  }
}
