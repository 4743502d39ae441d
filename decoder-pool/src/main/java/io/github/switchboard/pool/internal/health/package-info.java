/**
 * HTTP health checks of the nodes ({@code HealthChecker}). Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.health;

import org.jspecify.annotations.NullMarked;
