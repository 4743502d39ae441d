package io.github.switchboard.core;

/**
 * Told when a Redis-backed component moves between Redis and its fallback.
 *
 * <p>Listeners run on the thread that caused the transition; an exception thrown by a listener is logged
 * at WARN and never reaches the caller whose request caused the transition.
 */
@FunctionalInterface
public interface BackendListener {

  /**
   * Called once per transition.
   *
   * @param name the name of the component (for example the rate limiter's key prefix or the pool's name)
   * @param from the state before
   * @param to the state after
   */
  void onTransition(String name, BackendState from, BackendState to);
}
