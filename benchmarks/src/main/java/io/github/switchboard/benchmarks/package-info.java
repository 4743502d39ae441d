/**
 * JMH benchmarks of Switchboard's rate limiter with its peers side by side (Bucket4j, Redisson, Guava,
 * resilience4j), chosen by {@code @Param} through one facade. Not published; see {@code docs/benchmarks.md}
 * for the commands and the results.
 */
@NullMarked
package io.github.switchboard.benchmarks;

import org.jspecify.annotations.NullMarked;
