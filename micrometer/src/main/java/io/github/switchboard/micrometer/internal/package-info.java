/**
 * The implementation of the meters. May change without notice: use {@link
 * io.github.switchboard.micrometer.RateLimiterMetrics} and its siblings instead.
 */
@NullMarked
package io.github.switchboard.micrometer.internal;

import org.jspecify.annotations.NullMarked;
