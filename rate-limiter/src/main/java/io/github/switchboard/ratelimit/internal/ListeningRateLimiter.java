package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.Decision;
import io.github.switchboard.ratelimit.DecisionListener;
import io.github.switchboard.ratelimit.RateLimiter;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * A limiter that tells a DecisionListener of every decision. The builder wraps a limiter in it only when a
 * listener is set, so a limiter without one pays nothing per decision (no System.nanoTime, no callback, no
 * captured lambda). allow() goes through tryAcquire here: the listener needs degraded(), which only the
 * Decision carries.
 *
 * A listener's exception is swallowed: logged at WARN the first time, then at most once a minute with the
 * count of those not logged (a listener that always throws would otherwise log once per request).
 */
/** Reports every decision of a limiter to a {@link DecisionListener}. */
public final class ListeningRateLimiter extends ForwardingRateLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(ListeningRateLimiter.class);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final DecisionListener listener;
  private final String name;
  private final AtomicLong nextLogNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  /**
   * Wraps a limiter.
   *
   * @param delegate the limiter that decides
   * @param listener told of each decision
   * @param name the limiter's name, for logs
   */
  public ListeningRateLimiter(RateLimiter delegate, DecisionListener listener, String name) {
    super(delegate);
    this.listener = Objects.requireNonNull(listener, "listener");
    this.name = Objects.requireNonNull(name, "name");
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    long start = System.nanoTime();
    Decision d = delegate.tryAcquire(key, permits);
    report(key, d, System.nanoTime() - start);
    return d;
  }

  @Override
  public boolean allow(String key, long permits) {
    return tryAcquire(key, permits).allowed();
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
    long start = System.nanoTime();
    CompletionStage<Decision> stage = delegate.tryAcquireAsync(key, permits);
    return stage.whenComplete(new Report(this, key, start));
  }

  /** Completes an async decision; a class rather than a lambda so that what it holds is explicit. */
  private static final class Report implements BiConsumer<Decision, Throwable> {
    private final ListeningRateLimiter self;
    private final String key;
    private final long start;

    Report(ListeningRateLimiter self, String key, long start) {
      this.self = self;
      this.key = key;
      this.start = start;
    }

    @Override
    public void accept(@Nullable Decision d, @Nullable Throwable error) {
      if (d != null) {
        self.report(key, d, System.nanoTime() - start);
      }
    }
  }

  private void report(String key, Decision d, long nanos) {
    try {
      listener.onDecision(key, d, nanos);
    } catch (RuntimeException e) {
      long now = System.nanoTime();
      long next = nextLogNanos.get();
      if ((next == Long.MIN_VALUE || now - next >= 0)
          && nextLogNanos.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
        long skipped = suppressed.getAndSet(0);
        LOG.warn(
            "'{}': a decision listener threw; ignored ({} more such exceptions not logged since the last"
                + " report, next report in a minute at the earliest)",
            name,
            skipped,
            e);
      } else {
        suppressed.incrementAndGet();
      }
    }
  }

  /**
   * Returns the limiter that decides.
   *
   * @return the wrapped limiter
   */
  public RateLimiter delegate() {
    return delegate;
  }
}
