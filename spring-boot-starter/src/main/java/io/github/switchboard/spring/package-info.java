/**
 * Spring Boot 4.1 auto-configuration of Switchboard: a {@link io.github.switchboard.ratelimit.RateLimiter},
 * a {@link io.github.switchboard.pool.DecoderPool} and, with {@code switchboard.cache.enabled}, a {@code
 * TranslationCache} from {@code switchboard.*} properties (on the Redis of {@code spring.data.redis.*}
 * unless {@code switchboard.redis.url} names another), a rate limiting servlet filter, a {@code
 * switchboard} health indicator and Micrometer meters. Every bean is created only when the application
 * defines none of its type, so each can be replaced.
 */
@NullMarked
package io.github.switchboard.spring;

import org.jspecify.annotations.NullMarked;
