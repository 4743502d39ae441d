package io.github.switchboard.benchmarks.charts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jspecify.annotations.Nullable;

/**
 * Groups JMH results into chart panels: one per benchmark method and mode (and per percentile of a
 * sample-time result), the values of one {@code @Param} (the peers) as bars on the axis, the other varying
 * parameters as series side by side, the parameters that do not vary in the subtitle.
 */
public final class ChartPanels {

  /** The parameters that name the peers in this module's benchmarks, in order of preference. */
  static final List<String> PEER_PARAMS = List.of("limiter", "cache", "memoryLimiter", "redisLimiter");

  private ChartPanels() {}

  /**
   * One panel: a horizontal bar chart of one benchmark method in one mode.
   *
   * @param title the benchmark's short name, with the percentile for a sample-time panel
   * @param subtitle the parameters that do not vary and how the error bars read
   * @param unit the unit of the values
   * @param dataset the values: rows are the series, columns the bars on the axis; the standard deviation
   *     holds the error bar's half-width
   */
  public record Panel(String title, String subtitle, String unit, DefaultStatisticalCategoryDataset dataset) {

    /**
     * Whether a lower value is better (a time per operation) rather than a higher one (a rate).
     *
     * @return true for {@code us/op}, {@code ns/op} and the like
     */
    public boolean lowerIsBetter() {
      return unit.endsWith("/op");
    }
  }

  /**
   * Builds the panels of the results the options select, in the order the results come.
   *
   * @param results the results of one or more JMH runs
   * @param options what to chart
   * @return the panels, none if the options select no result
   * @throws IllegalArgumentException if {@code options.by()} names a parameter a selected benchmark lacks
   */
  public static List<Panel> of(List<JmhResult> results, ChartOptions options) {
    Map<String, List<JmhResult>> byPanel = new LinkedHashMap<>();
    for (JmhResult r : results) {
      if (options.include() != null && !options.include().matcher(r.benchmark()).find()) {
        continue;
      }
      if (!options.modes().isEmpty() && !options.modes().contains(r.mode())) {
        continue;
      }
      byPanel.computeIfAbsent(r.shortName() + " " + r.mode(), k -> new ArrayList<>()).add(r);
    }
    List<Panel> panels = new ArrayList<>();
    for (List<JmhResult> group : byPanel.values()) {
      JmhResult first = group.get(0);
      if (first.mode().equals("sample") && !options.percentiles().isEmpty()) {
        for (String p : options.percentiles()) {
          panels.add(panel(group, options, p));
        }
      } else {
        panels.add(panel(group, options, null));
      }
    }
    return panels;
  }

  private static Panel panel(List<JmhResult> group, ChartOptions options, @Nullable String percentile) {
    JmhResult first = group.get(0);
    Map<String, Set<String>> values = new LinkedHashMap<>();
    for (JmhResult r : group) {
      r.params().forEach((k, v) -> values.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(v));
    }
    @Nullable String by = axisParam(values, options, first.shortName());

    DefaultStatisticalCategoryDataset dataset = new DefaultStatisticalCategoryDataset();
    for (JmhResult r : group) {
      // a peer's name says what it is; another parameter's value is shown with its name (nodes=100)
      String column = by == null ? first.shortName()
          : PEER_PARAMS.contains(by) ? r.params().getOrDefault(by, "-")
          : by + "=" + r.params().getOrDefault(by, "-");
      StringJoiner row = new StringJoiner(", ");
      r.params().forEach((k, v) -> {
        if (!k.equals(by) && values.get(k).size() > 1) {
          row.add(k + "=" + v);
        }
      });
      double value = r.score();
      double error = options.confidenceInterval() ? r.error() : r.spread();
      if (percentile != null) {
        Double p = r.percentiles().get(percentile);
        if (p == null) {
          throw new IllegalArgumentException(r.shortName() + ": no percentile " + percentile
              + " in the results (JMH writes 0.0, 50.0, 90.0, 95.0, 99.0, 99.9, ...)");
        }
        value = p;
        error = 0;
      }
      dataset.add(value, error, row.toString(), column);
    }

    StringJoiner fixed = new StringJoiner(", ");
    values.forEach((k, v) -> {
      if (!k.equals(by) && v.size() == 1) {
        fixed.add(k + "=" + v.iterator().next());
      }
    });
    String title = first.shortName() + (percentile == null ? "" : ", p" + trim(percentile));
    String how = percentile != null ? "percentile " + trim(percentile) + " of every sampled call"
        : options.confidenceInterval() ? "error bars: JMH's error (99.9 % confidence interval)"
        : "error bars: one standard deviation of the " + first.iterations().size() + " measured iterations";
    String subtitle = (fixed.length() == 0 ? "" : fixed + "; ") + how;
    return new Panel(title, subtitle, first.unit(), dataset);
  }

  /** The parameter whose values are the bars on the axis, or null when the benchmark has none. */
  private static @Nullable String axisParam(Map<String, Set<String>> values, ChartOptions options, String name) {
    if (options.by() != null) {
      if (!values.containsKey(options.by())) {
        throw new IllegalArgumentException("--by names parameter '" + options.by() + "', which " + name
            + " does not have (it has " + values.keySet() + ")");
      }
      return options.by();
    }
    for (String peer : PEER_PARAMS) {
      if (values.containsKey(peer)) {
        return peer;
      }
    }
    @Nullable String most = null;
    for (Map.Entry<String, Set<String>> e : values.entrySet()) {
      if (most == null || e.getValue().size() > values.get(most).size()) {
        most = e.getKey();
      }
    }
    return most;
  }

  /** {@code 50.0} as {@code 50}, {@code 99.9} as it is. */
  static String trim(String percentile) {
    return percentile.endsWith(".0") ? percentile.substring(0, percentile.length() - 2) : percentile;
  }
}
