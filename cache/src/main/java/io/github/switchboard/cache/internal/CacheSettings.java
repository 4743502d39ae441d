package io.github.switchboard.cache.internal;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * A cache's validated settings, as the builder hands them to an implementation.
 *
 * @param name the cache's name
 * @param keyPrefix the prefix of its Redis keys and channel
 * @param timeToLive how long an entry lives
 * @param nearCacheSize how many entries the process keeps (0: none)
 * @param maxValueBytes the largest value cached, in UTF-8 bytes
 * @param compressionThreshold the size from which a value is stored compressed
 * @param loadTimeout the lifetime of a load's lease
 * @param executor where asynchronous loaders are called
 */
public record CacheSettings(
    String name,
    String keyPrefix,
    Duration timeToLive,
    int nearCacheSize,
    int maxValueBytes,
    int compressionThreshold,
    Duration loadTimeout,
    Executor executor) {}
