package io.github.switchboard.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link RateLimiter} enforces: an {@link Algorithm} and one or more limits ({@code count} permits
 * per {@code window}), all checked atomically. Immutable and thread-safe.
 *
 * <p>Rules checked by the builder, each failure an {@link IllegalArgumentException} that names the field:
 *
 * <ul>
 *   <li>at least one limit;
 *   <li>{@code count} from 1 to {@value #MAX_COUNT};
 *   <li>{@code window} from 1 ms to {@value #MAX_WINDOW_DAYS} days, a whole number of microseconds (the
 *       limiter counts time in integer microseconds);
 *   <li>no two limits with the same window;
 *   <li>for {@link Algorithm#SLIDING_WINDOW_COUNTER}, {@code count × window in microseconds} at most
 *       2<sup>52</sup> (so that the weighted estimate stays exact in the integer range of a double, which
 *       is what Redis's Lua has): for example up to 1 000 000 per hour or 50 000 per day.
 * </ul>
 *
 * <p>{@link #limits()} lists the limits by increasing window, whatever order they were added in.
 */
public final class RateLimitPolicy {

  /** The largest count of one limit. */
  public static final long MAX_COUNT = 1_000_000_000L;

  /** The longest window of one limit, in days. */
  public static final long MAX_WINDOW_DAYS = 366;

  /** The bound on {@code count × window in microseconds} for {@link Algorithm#SLIDING_WINDOW_COUNTER}. */
  public static final long MAX_COUNTER_PRODUCT = 1L << 52;

  private static final Duration MIN_WINDOW = Duration.ofMillis(1);
  private static final Duration MAX_WINDOW = Duration.ofDays(MAX_WINDOW_DAYS);

  /**
   * One limit: at most {@code count} permits per {@code window}.
   *
   * @param count the number of permits, 1 to {@value RateLimitPolicy#MAX_COUNT}
   * @param window the window, 1 ms to {@value RateLimitPolicy#MAX_WINDOW_DAYS} days, whole microseconds
   */
  public record Limit(long count, Duration window) {
    /**
     * Checks the fields.
     *
     * @param count the number of permits
     * @param window the window
     * @throws IllegalArgumentException if the count or the window is out of range
     * @throws NullPointerException if the window is null
     */
    public Limit {
      Objects.requireNonNull(window, "window");
      if (count < 1) {
        throw new IllegalArgumentException("count must be at least 1, was " + count);
      }
      if (count > MAX_COUNT) {
        throw new IllegalArgumentException("count must be at most " + MAX_COUNT + ", was " + count);
      }
      if (window.compareTo(MIN_WINDOW) < 0) {
        throw new IllegalArgumentException("window must be at least 1 ms, was " + window);
      }
      if (window.compareTo(MAX_WINDOW) > 0) {
        throw new IllegalArgumentException(
            "window must be at most " + MAX_WINDOW_DAYS + " days, was " + window);
      }
      if (window.toNanosPart() % 1000 != 0) {
        throw new IllegalArgumentException(
            "window must be a whole number of microseconds, was " + window);
      }
    }

    /**
     * Returns the window in microseconds.
     *
     * @return the window, in microseconds
     */
    public long windowMicros() {
      return window.getSeconds() * 1_000_000L + window.getNano() / 1000;
    }
  }

  private final Algorithm algorithm;
  private final List<Limit> limits;
  private final boolean shadow;

  private RateLimitPolicy(Algorithm algorithm, List<Limit> limits, boolean shadow) {
    this.algorithm = algorithm;
    this.limits = limits;
    this.shadow = shadow;
  }

  /**
   * Returns whether this policy is in shadow mode: it decides and counts as usual, but never denies; a
   * request it would have denied is allowed with {@link Decision#shadowDenied()} true (and, as any
   * denial, records nothing). Use it to see what a new limit would do before it bites.
   *
   * @return true for a shadow policy
   */
  public boolean shadow() {
    return shadow;
  }

  /**
   * Returns this policy enforced (shadow off), or itself if it is.
   *
   * @return the enforced policy with the same algorithm and limits
   */
  public RateLimitPolicy enforced() {
    return shadow ? new RateLimitPolicy(algorithm, limits, false) : this;
  }

  /**
   * Returns a new builder; the algorithm defaults to {@link Algorithm#SLIDING_WINDOW_LOG}.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the algorithm.
   *
   * @return the algorithm
   */
  public Algorithm algorithm() {
    return algorithm;
  }

  /**
   * Returns the limits, by increasing window.
   *
   * @return an unmodifiable list of at least one limit
   */
  public List<Limit> limits() {
    return limits;
  }

  /**
   * Returns the smallest count of all limits: the most permits one request may ask for.
   *
   * @return the smallest count
   */
  public long smallestCount() {
    long min = Long.MAX_VALUE;
    for (Limit l : limits) {
      min = Math.min(min, l.count());
    }
    return min;
  }

  /**
   * Returns a policy with the same algorithm and windows and every count divided by {@code n}, rounded
   * down but at least 1: what each of {@code n} instances enforces on its own.
   *
   * @param n the number of instances, at least 1
   * @return the divided policy ({@code this} when {@code n} is 1)
   * @throws IllegalArgumentException if {@code n} is less than 1
   */
  public RateLimitPolicy dividedBy(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, was " + n);
    }
    if (n == 1) {
      return this;
    }
    List<Limit> divided = new ArrayList<>(limits.size());
    for (Limit l : limits) {
      divided.add(new Limit(Math.max(1, l.count() / n), l.window()));
    }
    return new RateLimitPolicy(algorithm, List.copyOf(divided), shadow);
  }

  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object o) {
    return o instanceof RateLimitPolicy p
        && p.algorithm == algorithm
        && p.shadow == shadow
        && p.limits.equals(limits);
  }

  @Override
  public int hashCode() {
    return (algorithm.hashCode() * 31 + limits.hashCode()) * 31 + (shadow ? 1 : 0);
  }

  @Override
  public String toString() {
    return "RateLimitPolicy[" + algorithm + ", " + limits + (shadow ? ", shadow" : "") + "]";
  }

  /** Builds a {@link RateLimitPolicy}; {@link #build()} checks the rules listed on the policy. */
  public static final class Builder {
    private Algorithm algorithm = Algorithm.SLIDING_WINDOW_LOG;
    private final List<Limit> limits = new ArrayList<>();
    private boolean shadow;

    private Builder() {}

    /**
     * Sets shadow mode (default off): the policy decides and counts but never denies; see {@link
     * RateLimitPolicy#shadow()}.
     *
     * @param shadow true for shadow mode
     * @return this builder
     */
    public Builder shadow(boolean shadow) {
      this.shadow = shadow;
      return this;
    }

    /**
     * Sets the algorithm.
     *
     * @param algorithm the algorithm
     * @return this builder
     */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
      return this;
    }

    /**
     * Adds a limit: at most {@code count} permits per {@code window}.
     *
     * @param count the number of permits, 1 to {@value RateLimitPolicy#MAX_COUNT}
     * @param window the window, 1 ms to {@value RateLimitPolicy#MAX_WINDOW_DAYS} days, whole microseconds
     * @return this builder
     * @throws IllegalArgumentException if the count or the window is out of range
     */
    public Builder limit(long count, Duration window) {
      limits.add(new Limit(count, window));
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException if there is no limit, two limits share a window, or a {@link
     *     Algorithm#SLIDING_WINDOW_COUNTER} limit has {@code count × window (µs)} above 2<sup>52</sup>
     */
    public RateLimitPolicy build() {
      if (limits.isEmpty()) {
        throw new IllegalArgumentException("limits must hold at least one limit, was empty");
      }
      List<Limit> sorted = new ArrayList<>(limits);
      sorted.sort(Comparator.comparing(Limit::window));
      for (int i = 1; i < sorted.size(); i++) {
        if (sorted.get(i).window().equals(sorted.get(i - 1).window())) {
          throw new IllegalArgumentException(
              "window must be unique across limits, " + sorted.get(i).window() + " is given twice");
        }
      }
      if (algorithm == Algorithm.SLIDING_WINDOW_COUNTER) {
        for (Limit l : sorted) {
          if (l.count() > MAX_COUNTER_PRODUCT / l.windowMicros()) {
            throw new IllegalArgumentException(
                "count × window (µs) must be at most 2^52 for SLIDING_WINDOW_COUNTER, was "
                    + l.count()
                    + " × "
                    + l.windowMicros()
                    + "; use a smaller count or window, or another algorithm");
          }
        }
      }
      return new RateLimitPolicy(algorithm, List.copyOf(sorted), shadow);
    }
  }
}
