package io.github.switchboard.pool.internal.guard;

/*
 * The only moves between the states (GuardedPoolStore.move(), under its event lock):
 *   FALLBACK --recover()--> RECOVERING --Redis read, journal replayed--> REDIS
 *                           RECOVERING --Redis not usable-------------> FALLBACK
 *   REDIS --enterFallback()--> LEAVING_REDIS --fallback shown--> FALLBACK
 *   any --close()--> CLOSED
 * Writes go to Redis in REDIS and LEAVING_REDIS (until the fallback is shown); events are passed on from
 * Redis in REDIS, from the fallback in FALLBACK and RECOVERING.
 */
/** The states of {@link GuardedPoolStore} and the moves allowed between them. */
enum GuardState {
  /** Reads, writes and events from the fallback; the probe looks for Redis. */
  FALLBACK,
  /** Still on the fallback; the worker reads Redis and replays the journal. */
  RECOVERING,
  /** Reads, writes and events from Redis; configuration changes mirrored to the file. */
  REDIS,
  /** Writes still to Redis; the worker copies the last Redis snapshot into the fallback. */
  LEAVING_REDIS,
  /** Closed: nothing moves any more. */
  CLOSED;

  /** Whether writes go to Redis. */
  boolean onRedis() {
    return this == REDIS || this == LEAVING_REDIS;
  }

  /** Whether the fallback's events are the pool's. */
  boolean onFallback() {
    return this == FALLBACK || this == RECOVERING;
  }

  /** Whether the store may move from this state to another. */
  boolean canMoveTo(GuardState to) {
    return switch (this) {
      case FALLBACK -> to == RECOVERING || to == CLOSED;
      case RECOVERING -> to == REDIS || to == FALLBACK || to == CLOSED;
      case REDIS -> to == LEAVING_REDIS || to == CLOSED;
      case LEAVING_REDIS -> to == FALLBACK || to == CLOSED;
      case CLOSED -> false;
    };
  }
}
