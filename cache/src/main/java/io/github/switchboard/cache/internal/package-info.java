/** The cache's implementations; may change without notice. */
@NullMarked
package io.github.switchboard.cache.internal;

import org.jspecify.annotations.NullMarked;
