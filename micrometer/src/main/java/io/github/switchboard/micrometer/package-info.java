/**
 * Micrometer meters for Switchboard: {@link io.github.switchboard.micrometer.RateLimiterMetrics} for a rate
 * limiter, {@link io.github.switchboard.micrometer.DecoderPoolMetrics} for a decoder pool, {@link
 * io.github.switchboard.micrometer.RegistrationClientMetrics} for a registration client and {@link
 * io.github.switchboard.micrometer.TranslationCacheMetrics} for a translation cache. Every meter is
 * named {@code switchboard.*}; the module's README lists them with their tags and the question each one
 * answers.
 */
@NullMarked
package io.github.switchboard.micrometer;

import org.jspecify.annotations.NullMarked;
