/**
 * The registration client's implementation; may change without notice.
 */
@NullMarked
package io.github.switchboard.registration.internal;

import org.jspecify.annotations.NullMarked;
