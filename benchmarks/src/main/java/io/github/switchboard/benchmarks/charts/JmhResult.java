package io.github.switchboard.benchmarks.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One result of a JMH JSON file: a benchmark method in one mode with one set of {@code @Param} values.
 *
 * @param benchmark the benchmark's full name ({@code package.Class.method})
 * @param mode JMH's short mode name: {@code thrpt}, {@code avgt}, {@code sample}, {@code ss}
 * @param params the {@code @Param} values, in the file's order
 * @param score the primary metric's score (for {@code sample}, the mean)
 * @param error the primary metric's error (half the 99.9 % confidence interval), 0 when JMH gives none
 * @param unit the primary metric's unit, as {@code ops/s} or {@code us/op}
 * @param percentiles the primary metric's percentiles by JMH's key ({@code 50.0}, {@code 99.0}), empty if none
 * @param bytesPerOp {@code gc.alloc.rate.norm} when run with {@code -prof gc}, else {@code NaN}
 * @param iterations the measured iterations' scores of every fork ({@code rawData}), empty for sample time
 */
public record JmhResult(
    String benchmark,
    String mode,
    Map<String, String> params,
    double score,
    double error,
    String unit,
    Map<String, Double> percentiles,
    double bytesPerOp,
    List<Double> iterations) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies the maps, so that a result is immutable. */
  public JmhResult {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    percentiles = Collections.unmodifiableMap(new LinkedHashMap<>(percentiles));
    iterations = List.copyOf(iterations);
  }

  /**
   * The standard deviation of the measured iterations (of all forks): how far one iteration strays from
   * the score, which with a few iterations says more than JMH's 99.9 % interval (whose half-width is
   * 31.6 standard errors with 3 iterations).
   *
   * @return the sample standard deviation, or 0 with fewer than two iterations
   */
  public double spread() {
    int n = iterations.size();
    if (n < 2) {
      return 0;
    }
    double mean = 0;
    for (double v : iterations) {
      mean += v;
    }
    mean /= n;
    double squares = 0;
    for (double v : iterations) {
      squares += (v - mean) * (v - mean);
    }
    return Math.sqrt(squares / (n - 1));
  }

  /**
   * The benchmark's class and method without the package, as {@code RedisAsyncBenchmark.completed}.
   *
   * @return the short name
   */
  public String shortName() {
    int method = benchmark.lastIndexOf('.');
    int type = method > 0 ? benchmark.lastIndexOf('.', method - 1) : -1;
    return benchmark.substring(type + 1);
  }

  /**
   * Reads every result of a JMH JSON result file.
   *
   * @param file the file JMH wrote with {@code -rf json -rff file}
   * @return the results, in the file's order
   * @throws IOException if the file cannot be read or is not JSON
   * @throws IllegalArgumentException if the JSON is not an array of JMH results, naming the missing field
   */
  public static List<JmhResult> read(Path file) throws IOException {
    JsonNode root = JSON.readTree(file.toFile());
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(file + ": a JMH JSON result file is an array of results, found "
          + (root == null ? "nothing" : root.getNodeType()));
    }
    List<JmhResult> results = new ArrayList<>(root.size());
    for (int i = 0; i < root.size(); i++) {
      results.add(parse(root.get(i), file + "[" + i + "]"));
    }
    return results;
  }

  private static JmhResult parse(JsonNode node, String where) {
    String benchmark = text(node, "benchmark", where);
    String mode = text(node, "mode", where);
    JsonNode primary = required(node, "primaryMetric", where);
    double score = number(primary, "score", where + ".primaryMetric");
    JsonNode errorNode = primary.get("scoreError");
    // JMH writes "NaN" as a string when one iteration gives no interval
    double error = errorNode != null && errorNode.isNumber() ? errorNode.asDouble() : 0;
    String unit = text(primary, "scoreUnit", where + ".primaryMetric");

    Map<String, String> params = new LinkedHashMap<>();
    JsonNode paramsNode = node.get("params");
    if (paramsNode != null) {
      for (Map.Entry<String, JsonNode> e : paramsNode.properties()) {
        params.put(e.getKey(), e.getValue().asText());
      }
    }
    Map<String, Double> percentiles = new LinkedHashMap<>();
    JsonNode pNode = primary.get("scorePercentiles");
    if (pNode != null) {
      for (Map.Entry<String, JsonNode> e : pNode.properties()) {
        if (e.getValue().isNumber()) {
          percentiles.put(e.getKey(), e.getValue().asDouble());
        }
      }
    }
    double bytes = Double.NaN;
    JsonNode secondary = node.get("secondaryMetrics");
    JsonNode norm = secondary == null ? null : secondary.get("gc.alloc.rate.norm");
    if (norm != null && norm.get("score") != null && norm.get("score").isNumber()) {
      bytes = norm.get("score").asDouble();
    }
    List<Double> iterations = new ArrayList<>();
    JsonNode raw = primary.get("rawData");
    if (raw != null && raw.isArray()) {
      for (JsonNode fork : raw) {
        for (JsonNode v : fork) {
          if (v.isNumber()) {
            iterations.add(v.asDouble());
          }
        }
      }
    }
    return new JmhResult(benchmark, mode, params, score, error, unit, percentiles, bytes, iterations);
  }

  private static JsonNode required(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException(where + ": field '" + field + "' is missing (not a JMH result)");
    }
    return value;
  }

  private static String text(JsonNode node, String field, String where) {
    return typed(node, field, where, JsonNode::isTextual, "a string").asText();
  }

  private static double number(JsonNode node, String field, String where) {
    return typed(node, field, where, JsonNode::isNumber, "a number").asDouble();
  }

  private static JsonNode typed(JsonNode node, String field, String where, Predicate<JsonNode> is, String kind) {
    JsonNode value = required(node, field, where);
    if (!is.test(value)) {
      throw new IllegalArgumentException(where + ": field '" + field + "' must be " + kind + ", found "
          + value.getNodeType());
    }
    return value;
  }
}
