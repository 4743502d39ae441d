package io.github.switchboard.registration;

import java.util.Locale;

/** A way to reach the pool, in the order a {@link RegistrationClient} tries them. */
public enum Channel {
  /** The coordinator's HTTP API ({@code POST /api/v1/decoders} with a Bearer token). */
  COORDINATOR,
  /** The pool in Redis, written directly. */
  REDIS,
  /** The pool file ({@code decoder_pool.json}), written directly. */
  FILE;

  /**
   * Returns the channel's name in lower case, as the command-line tool prints it.
   *
   * @return {@code coordinator}, {@code redis} or {@code file}
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
