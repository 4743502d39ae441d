/**
 * A cache of decoder results in front of the GPU nodes: {@link io.github.switchboard.cache.TranslationCache},
 * built by {@link io.github.switchboard.cache.TranslationCaches#builder(String)}, keyed by a {@link
 * io.github.switchboard.cache.TranslationKey}. On Redis it loads each distinct input once across the fleet,
 * keeps a bounded near cache in the process that every instance's writes invalidate, and answers from the
 * near cache and the loader when Redis is gone.
 */
@NullMarked
package io.github.switchboard.cache;

import org.jspecify.annotations.NullMarked;
