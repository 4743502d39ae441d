/**
 * The {@code register-decoder-node} command-line tool:
 * {@link io.github.switchboard.registration.cli.RegisterDecoderNode}.
 */
@NullMarked
package io.github.switchboard.registration.cli;

import org.jspecify.annotations.NullMarked;
