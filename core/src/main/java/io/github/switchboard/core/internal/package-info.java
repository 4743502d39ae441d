/**
 * Implementation details shared by the Switchboard modules. Not a public API: it may change without
 * notice.
 */
@NullMarked
package io.github.switchboard.core.internal;

import org.jspecify.annotations.NullMarked;
