package io.github.switchboard.core;

/**
 * Which backend answers a Redis-backed component with a local fallback, as its circuit breaker sees it.
 */
public enum BackendState {
  /** Redis answers (the breaker is closed). */
  PRIMARY,
  /** Redis is considered down; the fallback answers (the breaker is open). */
  FALLBACK,
  /** A few calls probe Redis to see whether it is back (the breaker is half-open). */
  PROBING;
}
