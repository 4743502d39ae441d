package io.github.switchboard.benchmarks;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/*
 * Everything one trial owns: the keys, the Redis server (for Redis-backed limiters), the limiter, and the
 * counters that make a trial fail instead of reporting a flattering number: a denied request (the policy
 * limited after all) or a degraded one (Switchboard's fallback answered, so Redis was not measured).
 */
/** The state of one benchmark trial, shared by its threads. */
final class Trial implements AutoCloseable, AsyncWindow.Calls {
  final String[] keys;
  final Limiter limiter;
  private final @Nullable RedisFixture redis;
  private final LongAdder refused = new LongAdder();

  private Trial(String[] keys, Limiter limiter, @Nullable RedisFixture redis) {
    this.keys = keys;
    this.limiter = limiter;
    this.redis = redis;
  }

  /**
   * Opens a trial: starts (or connects to and flushes) Redis if the limiter needs it, builds the limiter
   * and touches every key once so that the measured calls all hit existing keys.
   *
   * @param type the limiter under test
   * @param keyCount how many client keys
   * @return the trial, to be closed in the trial's tear-down
   */
  static Trial open(LimiterType type, int keyCount) {
    String[] keys = KeySpace.clients(keyCount);
    RedisFixture redis = type.usesRedis() ? RedisFixture.startOrConnect() : null;
    Limiter limiter = RedisFixture.buildOrStop(redis, () -> type.create(keys, redis));
    Trial trial = new Trial(keys, limiter, redis);
    try {
      trial.touchAll(type.usesRedis());
    } catch (RuntimeException | Error e) {
      trial.closeQuietly();
      throw e;
    }
    return trial;
  }

  /*
   * Every key gets one decision before the first warm-up iteration, so that the measured calls all find
   * an existing key (on Redis that is most of the first second otherwise, and for Bucket4j's first touch
   * of a key, several round trips) and the client's path is already loaded. On Redis this goes through
   * the asynchronous window, which takes well under a second for 10,000 keys.
   */
  private void touchAll(boolean onRedis) {
    if (!onRedis) {
      for (int i = 0; i < keys.length; i++) {
        check(limiter.tryAcquire(i));
      }
      return;
    }
    AsyncWindow window = new AsyncWindow(this, AsyncWindow.SIZE);
    try {
      for (int i = 0; i < keys.length; i++) {
        window.submit(i);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while touching the keys", e);
    } finally {
      window.drain();
    }
  }

  private void closeQuietly() {
    try {
      RedisFixture.closeThenStop(limiter::close, redis);
    } catch (RuntimeException e) {
      // the setup failure is what matters
    }
  }

  /**
   * Counts a refusal; cheap when granted, which is every call of a valid trial.
   *
   * @param granted what the limiter answered
   * @return the same value, for the benchmark to return
   */
  boolean check(boolean granted) {
    if (!granted) {
      refused.increment();
    }
    return granted;
  }

  @Override
  public CompletionStage<?> start(int key) {
    return limiter.tryAcquireAsync(key);
  }

  @Override
  public boolean succeeded(Object result) {
    return limiter.granted(result);
  }

  /** Counts a refusal from an asynchronous call. */
  @Override
  public void refuse() {
    refused.increment();
  }

  @Override
  public void close() {
    RedisFixture.closeThenStop(limiter::close, redis);
    long n = refused.sum();
    if (n > 0) {
      throw new IllegalStateException(
          n
              + " request(s) were denied, degraded or failed: the policy limited or the backend was not"
              + " measured, so this trial's number is not valid");
    }
  }
}
