package io.github.switchboard.ratelimit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP response fields of the IETF draft "RateLimit header fields for HTTP"
 * (draft-ietf-httpapi-ratelimit-headers), as Structured Fields, plus {@code Retry-After} on a denial.
 *
 * <ul>
 *   <li>{@code RateLimit-Policy}: every limit of the policy, as {@code "NAME";q=COUNT;w=SECONDS}, joined
 *       with {@code ", "}; for example {@code "1m";q=60;w=60, "1h";q=1000;w=3600}.
 *   <li>{@code RateLimit}: the limit the decision reports, as {@code "NAME";r=REMAINING;t=SECONDS}, where
 *       {@code t} is the decision's reset-after.
 *   <li>{@code Retry-After} (denials only): the decision's retry-after in whole seconds, rounded up, at
 *       least 1.
 * </ul>
 *
 * <p>A limit's name is its window: {@code 500ms}, {@code 10s}, {@code 1m}, {@code 1h}, {@code 1d} (the
 * largest unit that divides it). {@code w} and {@code t} are whole seconds, rounded up ({@code w} at least
 * 1). When a degraded decision comes from a fallback whose counts were divided, {@code q} still shows the
 * policy's count and {@code r} what the fallback has left.
 */
public final class RateLimitHeaders {

  /** The name of the field that describes the policy. */
  public static final String RATELIMIT_POLICY = "RateLimit-Policy";

  /** The name of the field that describes the current state of the reported limit. */
  public static final String RATELIMIT = "RateLimit";

  /** The name of the standard field sent on a denial. */
  public static final String RETRY_AFTER = "Retry-After";

  private RateLimitHeaders() {}

  /**
   * Returns the fields for a decision, in the order {@code RateLimit-Policy}, {@code RateLimit}, then
   * {@code Retry-After} if denied.
   *
   * @param decision the decision
   * @param policy the policy that produced it
   * @return an unmodifiable, ordered map of field name to value
   */
  public static Map<String, String> of(Decision decision, RateLimitPolicy policy) {
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(policy, "policy");
    Map<String, String> fields = new LinkedHashMap<>();
    StringBuilder p = new StringBuilder();
    List<RateLimitPolicy.Limit> limits = policy.limits();
    String reported = null;
    for (RateLimitPolicy.Limit l : limits) {
      if (p.length() > 0) {
        p.append(", ");
      }
      String name = name(l.windowMicros());
      p.append('"')
          .append(name)
          .append("\";q=")
          .append(l.count())
          .append(";w=")
          .append(Math.max(1, ceilSeconds(l.windowMicros())));
      if (l.windowMicros() == decision.windowMicros()) {
        reported = name;
      }
    }
    if (reported == null) {
      reported = name(decision.windowMicros());
    }
    fields.put(RATELIMIT_POLICY, p.toString());
    fields.put(
        RATELIMIT,
        "\""
            + reported
            + "\";r="
            + decision.remaining()
            + ";t="
            + ceilSeconds(decision.resetAfterMicros()));
    if (!decision.allowed()) {
      fields.put(RETRY_AFTER, Long.toString(Math.max(1, ceilSeconds(decision.retryAfterMicros()))));
    }
    return Collections.unmodifiableMap(fields);
  }

  static long ceilSeconds(long micros) {
    return micros <= 0 ? 0 : (micros - 1) / 1_000_000L + 1;
  }

  static String name(long windowMicros) {
    long[] units = {86_400_000_000L, 3_600_000_000L, 60_000_000L, 1_000_000L, 1000L};
    String[] suffixes = {"d", "h", "m", "s", "ms"};
    for (int i = 0; i < units.length; i++) {
      if (windowMicros % units[i] == 0) {
        return (windowMicros / units[i]) + suffixes[i];
      }
    }
    return windowMicros + "us";
  }
}
