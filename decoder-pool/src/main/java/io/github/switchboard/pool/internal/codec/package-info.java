/**
 * Pool JSON: the pool file ({@code PoolDocument}), nodes, runtime states, loads and A/B tests, read with
 * limits and errors that name the field. Untrusted text in, values out; uses nothing else of the pool's
 * implementation. Internal: may change without notice.
 */
@NullMarked
package io.github.switchboard.pool.internal.codec;

import org.jspecify.annotations.NullMarked;
