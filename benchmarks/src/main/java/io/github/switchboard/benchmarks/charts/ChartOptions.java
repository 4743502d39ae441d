package io.github.switchboard.benchmarks.charts;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What to chart from a JMH result file and how.
 *
 * @param include only benchmarks whose full name this finds (all when {@code null})
 * @param modes only these JMH modes ({@code thrpt}, {@code avgt}, {@code sample}, {@code ss}); all when empty
 * @param by the {@code @Param} whose values are the bars on the axis (the peers); when {@code null}, the first
 *     of {@code limiter}, {@code cache}, {@code memoryLimiter}, {@code redisLimiter} present, else the
 *     parameter with the most distinct values
 * @param percentiles for {@code sample} mode, the percentiles charted, one panel each (as {@code 50.0})
 * @param confidenceInterval whether the error bars show JMH's error (half its 99.9 % confidence interval)
 *     rather than one standard deviation of the measured iterations
 * @param logScale whether the value axis is logarithmic (for values orders of magnitude apart)
 * @param width the image's width in pixels
 * @param title a title above the first panel, or {@code null}
 */
public record ChartOptions(
    @Nullable Pattern include,
    Set<String> modes,
    @Nullable String by,
    List<String> percentiles,
    boolean confidenceInterval,
    boolean logScale,
    int width,
    @Nullable String title) {

  /** The smallest width that leaves room for the peers' names and the bars. */
  public static final int MIN_WIDTH = 400;

  /** Checks the values and copies the collections. */
  public ChartOptions {
    modes = Set.copyOf(modes);
    percentiles = List.copyOf(percentiles);
    if (width < MIN_WIDTH || width > 10_000) {
      throw new IllegalArgumentException("width must be between " + MIN_WIDTH + " and 10000 pixels, was "
          + width);
    }
    for (String p : percentiles) {
      double value;
      try {
        value = Double.parseDouble(p);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("percentiles must be numbers between 0 and 100, was '" + p + "'", e);
      }
      if (!(value >= 0 && value <= 100)) {
        throw new IllegalArgumentException("percentiles must be numbers between 0 and 100, was '" + p + "'");
      }
    }
  }

  /**
   * The defaults: every benchmark and mode, the peers found by name, p50 and p99 of sample-time results,
   * error bars of one standard deviation, a linear axis, 1,000 pixels wide, no title.
   *
   * @return the default options
   */
  public static ChartOptions defaults() {
    return new ChartOptions(null, Set.of(), null, List.of("50.0", "99.0"), false, false, 1000, null);
  }
}
