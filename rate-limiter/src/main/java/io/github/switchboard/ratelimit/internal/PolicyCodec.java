package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.RateLimitPolicy;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/*
 * A policy as text in Redis: "v1|<ALGORITHM>|<0|1 shadow>|<count>/<window µs>,<count>/<window µs>...".
 * Reading is bounded (length, number of limits) and every value goes through RateLimitPolicy's own rules,
 * so a poisoned value is an IllegalArgumentException, never a policy out of range.
 */
/** Writes and reads a {@link RateLimitPolicy} as text. */
public final class PolicyCodec {
  private static final int MAX_LENGTH = 2048;
  private static final int MAX_LIMITS = 32;

  private PolicyCodec() {}

  public static String encode(RateLimitPolicy policy) {
    StringBuilder b = new StringBuilder(48);
    b.append("v1|").append(policy.algorithm().name()).append('|').append(policy.shadow() ? '1' : '0').append('|');
    boolean first = true;
    for (RateLimitPolicy.Limit l : policy.limits()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append(l.count()).append('/').append(l.windowMicros());
    }
    return b.toString();
  }

  /**
   * Reads a policy.
   *
   * @param text what Redis holds
   * @return the policy
   * @throws IllegalArgumentException if it is not one this codec wrote, or breaks a policy rule
   */
  public static RateLimitPolicy decode(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("a stored policy is longer than " + MAX_LENGTH);
    }
    String[] parts = text.split("\\|", -1);
    if (parts.length != 4 || !parts[0].equals("v1")) {
      throw new IllegalArgumentException("not a stored policy (v1)");
    }
    RateLimitPolicy.Builder b = RateLimitPolicy.builder().algorithm(Algorithm.valueOf(parts[1]));
    if (!parts[2].equals("0") && !parts[2].equals("1")) {
      throw new IllegalArgumentException("shadow must be 0 or 1");
    }
    b.shadow(parts[2].equals("1"));
    String[] limits = parts[3].split(",", -1);
    if (limits.length > MAX_LIMITS) {
      throw new IllegalArgumentException("more than " + MAX_LIMITS + " limits");
    }
    for (String l : limits) {
      int slash = l.indexOf('/');
      if (slash <= 0) {
        throw new IllegalArgumentException("a limit is not count/window");
      }
      long count = Long.parseLong(l.substring(0, slash));
      long micros = Long.parseLong(l.substring(slash + 1));
      if (micros <= 0 || micros > Duration.ofDays(RateLimitPolicy.MAX_WINDOW_DAYS).toNanos() / 1000) {
        throw new IllegalArgumentException("window out of range");
      }
      b.limit(count, Duration.of(micros, ChronoUnit.MICROS));
    }
    return b.build();
  }
}
