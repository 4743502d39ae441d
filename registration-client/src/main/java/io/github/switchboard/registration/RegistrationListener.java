package io.github.switchboard.registration;

/**
 * Hears every attempt a {@link RegistrationClient} makes on a channel: a registration, a removal, one
 * keep-alive tick on a channel (its heartbeat, and the registration it may need), the drain and removal of
 * {@link KeepAlive#close()}. Set with {@link RegistrationClients.Builder#listener(RegistrationListener)};
 * the Micrometer module counts {@code switchboard.registration.attempts{channel,result}} with one.
 *
 * <p>Called once per attempt, on the thread that made it (the caller's, or the client's worker thread), after
 * the channel answered or failed. A channel skipped because its circuit breaker is open is not attempted and
 * not reported (the breaker's own metrics count it). A listener must be quick and must not block; an
 * exception it throws is logged (at most once a minute) and ignored: it never reaches the caller.
 */
@FunctionalInterface
public interface RegistrationListener {

  /**
   * Called after one attempt on one channel.
   *
   * @param channel the channel's name: {@code coordinator}, {@code redis} or {@code file}
   *     ({@link Channel#label()})
   * @param success true if the channel did what was asked (stored, removed, or answered that it does not
   *     know the node); false if it could not be reached, failed, or refused
   */
  void onAttempt(String channel, boolean success);
}
