/** The starter's implementation; may change without notice. */
@NullMarked
package io.github.switchboard.spring.internal;

import org.jspecify.annotations.NullMarked;
