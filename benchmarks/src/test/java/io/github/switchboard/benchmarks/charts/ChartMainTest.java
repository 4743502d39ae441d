package io.github.switchboard.benchmarks.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.switchboard.benchmarks.charts.ChartPanels.Panel;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chart tool on a small checked-in JMH JSON file: what it reads, how it groups, what it writes. */
class ChartMainTest {

  private static Path sample;

  @BeforeAll
  static void headless() throws URISyntaxException {
    System.setProperty("java.awt.headless", "true");
    sample = Path.of(Objects.requireNonNull(ChartMainTest.class.getResource("/charts/sample-jmh.json")).toURI());
  }

  @Test
  void readsEveryResultWithItsParamsScoreErrorUnitPercentilesAndBytes() throws Exception {
    List<JmhResult> results = JmhResult.read(sample);

    assertThat(results).hasSize(9);
    JmhResult first = results.get(0);
    assertThat(first.shortName()).isEqualTo("InMemoryBenchmark.oneThread");
    assertThat(first.mode()).isEqualTo("thrpt");
    assertThat(first.params()).containsExactly(
        Map.entry("keys", "1"), Map.entry("limiter", "SWITCHBOARD_TOKEN_BUCKET"));
    assertThat(first.score()).isEqualTo(22_091_945.5);
    assertThat(first.error()).isEqualTo(1_836_519.0);
    assertThat(first.unit()).isEqualTo("ops/s");
    assertThat(first.bytesPerOp()).isEqualTo(56.0);
    // JMH writes the error of a run without an interval as the string "NaN": read as no error bar
    assertThat(results.get(5).error()).isZero();
    assertThat(results.get(5).bytesPerOp()).isNaN();
    assertThat(results.get(7).percentiles()).containsEntry("99.0", 91.1);
    assertThat(first.iterations()).containsExactly(22_000_000.0, 22_091_945.5, 22_183_891.0);
    assertThat(first.spread()).isCloseTo(91_945.5, within(1e-6));
    // two forks of one iteration each, equal: no spread; a sample-time result has no iterations
    assertThat(results.get(6).iterations()).hasSize(2);
    assertThat(results.get(6).spread()).isZero();
    assertThat(results.get(7).iterations()).isEmpty();
  }

  @Test
  void groupsByMethodAndModeThePeersOnTheAxisTheOtherVaryingParamsAsSeries() throws Exception {
    List<Panel> panels = ChartPanels.of(JmhResult.read(sample), ChartOptions.defaults());

    assertThat(panels).extracting(Panel::title).containsExactly(
        "InMemoryBenchmark.oneThread", "RedisAsyncBenchmark.completed",
        "RedisIdleLatencyBenchmark.oneThread, p50", "RedisIdleLatencyBenchmark.oneThread, p99");

    DefaultStatisticalCategoryDataset memory = panels.get(0).dataset();
    assertThat(memory.getColumnKeys()).containsExactly("SWITCHBOARD_TOKEN_BUCKET", "GUAVA");
    assertThat(memory.getRowKeys()).containsExactly("keys=1", "keys=10000");
    assertThat(memory.getMeanValue("keys=10000", "GUAVA").doubleValue()).isEqualTo(9_514_193.0);
    // the error bar: one standard deviation of the iterations, not JMH's 99.9 % interval
    assertThat(memory.getStdDevValue("keys=1", "SWITCHBOARD_TOKEN_BUCKET").doubleValue())
        .isCloseTo(91_945.5, within(1e-6));
    assertThat(memory.getStdDevValue("keys=10000", "GUAVA").doubleValue()).isZero();
    assertThat(panels.get(0).unit()).isEqualTo("ops/s");
    assertThat(panels.get(0).lowerIsBetter()).isFalse();

    // keys and window do not vary: one series, the fixed values in the subtitle
    Panel async = panels.get(1);
    assertThat(async.dataset().getRowCount()).isEqualTo(1);
    assertThat(async.dataset().getColumnKeys())
        .containsExactly("SWITCHBOARD_REDIS_TOKEN_BUCKET", "EVALSHA_TOKEN_BUCKET", "BUCKET4J_LETTUCE");
    assertThat(async.dataset().getMeanValue(0, 0).doubleValue()).isEqualTo(287_386.0);
    assertThat(async.subtitle())
        .isEqualTo("keys=10000, window=128; error bars: one standard deviation of the 3 measured iterations");
    assertThat(async.dataset().getStdDevValue(0, 0).doubleValue()).isCloseTo(37_386.0, within(1e-6));
    List<Panel> withCi = ChartPanels.of(JmhResult.read(sample),
        new ChartOptions(null, Set.of(), null, List.of(), true, false, 1000, null));
    assertThat(withCi.get(1).dataset().getStdDevValue(0, 0).doubleValue()).isEqualTo(41_000.0);

    // a sample-time result: one panel per percentile, no error bar, lower is better
    Panel p99 = panels.get(3);
    assertThat(p99.dataset().getMeanValue(0, 1).doubleValue()).isEqualTo(160.3);
    assertThat(p99.dataset().getStdDevValue(0, 1).doubleValue()).isZero();
    assertThat(p99.lowerIsBetter()).isTrue();
  }

  @Test
  void theOptionsSelectBenchmarksModesAndTheAxisParam() throws Exception {
    List<JmhResult> results = JmhResult.read(sample);
    ChartOptions byKeys = new ChartOptions(Pattern.compile("InMemory"),
        Set.of("thrpt"), "keys", List.of(), false, false, 800, null);

    List<Panel> panels = ChartPanels.of(results, byKeys);

    assertThat(panels).hasSize(1);
    // a parameter that does not name the peers is shown with its name
    assertThat(panels.get(0).dataset().getColumnKeys()).containsExactly("keys=1", "keys=10000");
    assertThat(panels.get(0).dataset().getRowKeys())
        .containsExactly("limiter=SWITCHBOARD_TOKEN_BUCKET", "limiter=GUAVA");
    assertThat(panels.get(0).dataset().getMeanValue("limiter=SWITCHBOARD_TOKEN_BUCKET", "keys=10000").doubleValue())
        .isEqualTo(11_139_161.0);
    ChartOptions byMissing = new ChartOptions(null, Set.of(), "nodes", List.of(), false, false, 800, null);
    assertThatThrownBy(() -> ChartPanels.of(results, byMissing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'nodes'");
  }

  @Test
  void writesOnePngPerFileAsWideAsAskedAndAsHighAsItsPanels(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    List<Path> written = ChartMain.run(new String[] {"--width", "900", "--title", "Sample", sample.toString(),
        dir.resolve("images").toString()}, new PrintStream(said, true, StandardCharsets.UTF_8));

    Path png = dir.resolve("images/bench-sample-jmh.png");
    assertThat(written).containsExactly(png);
    BufferedImage image = ImageIO.read(png.toFile());
    List<Panel> panels = ChartPanels.of(JmhResult.read(sample), ChartOptions.defaults());
    int expected = ChartImage.TITLE + ChartImage.height(panels.get(0)) + ChartImage.height(panels.get(1))
        + ChartImage.height(panels.get(2)) + ChartImage.height(panels.get(3));
    assertThat(image.getWidth()).isEqualTo(900);
    assertThat(image.getHeight()).isEqualTo(expected).isEqualTo(ChartImage.height(panels, true));
    // two series (legend) and 2 x 2 bars, then three single-series panels of 3, 2 and 2 bars
    assertThat(ChartImage.height(panels.get(0))).isEqualTo(ChartImage.PANEL_FRAME + ChartImage.LEGEND
        + 2 * (2 * ChartImage.BAR + ChartImage.GROUP_GAP));
    assertThat(ChartImage.height(panels.get(1)))
        .isEqualTo(ChartImage.PANEL_FRAME + 3 * (ChartImage.BAR + ChartImage.GROUP_GAP));
    assertThat(said.toString(StandardCharsets.UTF_8)).contains("bench-sample-jmh.png: 4 panel(s), 900 x " + expected);
    assertThat(countPixels(image, ChartImage.family("SWITCHBOARD_REDIS_TOKEN_BUCKET"))).isGreaterThan(1000);
    assertThat(countPixels(image, ChartImage.family("REDISSON"))).isGreaterThan(1000);
  }

  @Test
  void badArgumentsAndFilesAreRefusedNamingWhatIsWrong(@TempDir Path dir) throws Exception {
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ChartMain.run(new String[] {sample.toString()}, out))
        .hasMessageContaining("output directory");
    assertThatThrownBy(() -> ChartMain.run(new String[] {"--width", "wide", sample.toString(), "x"}, out))
        .hasMessageContaining("--width").hasMessageContaining("'wide'");
    assertThatThrownBy(() -> ChartMain.run(new String[] {"--width", "10", sample.toString(), "x"}, out))
        .hasMessageContaining("width must be between 400");
    assertThatThrownBy(() -> ChartMain.run(new String[] {"--errors", "minmax", sample.toString(), "x"}, out))
        .hasMessageContaining("--errors").hasMessageContaining("'minmax'");
    assertThatThrownBy(() -> ChartMain.run(new String[] {"--name", "a b", sample.toString(), "x"}, out))
        .hasMessageContaining("--name").hasMessageContaining("'a b'");
    assertThatThrownBy(() -> ChartMain.run(new String[] {"--name", "x", sample.toString(), sample.toString(), "x"},
            out))
        .hasMessageContaining("--name names the chart of one JSON file, given 2");
    assertThatThrownBy(() -> ChartMain.run(new String[] {"--modes", "fast", sample.toString(), "x"}, out))
        .hasMessageContaining("--modes").hasMessageContaining("'fast'");
    assertThatThrownBy(() -> ChartMain.run(new String[] {"--percentiles", "120", sample.toString(), "x"}, out))
        .hasMessageContaining("percentiles").hasMessageContaining("'120.0'");
    assertThatThrownBy(() -> ChartMain.run(
            new String[] {"--include", "NoSuchBenchmark", sample.toString(), dir.toString()}, out))
        .hasMessageContaining("selected no result");

    Path notResults = dir.resolve("object.json");
    Files.writeString(notResults, "{\"benchmark\": \"x\"}");
    assertThatThrownBy(() -> JmhResult.read(notResults))
        .hasMessageContaining("object.json").hasMessageContaining("array");
    Path noMetric = dir.resolve("no-metric.json");
    Files.writeString(noMetric, "[{\"benchmark\": \"a.B.c\", \"mode\": \"thrpt\"}]");
    assertThatThrownBy(() -> JmhResult.read(noMetric))
        .hasMessageContaining("no-metric.json[0]").hasMessageContaining("'primaryMetric'");
  }

  @Test
  void labelsAreCompact() {
    assertThat(ChartImage.CompactFormat.compact(22_091_945)).isEqualTo("22.1 M");
    assertThat(ChartImage.CompactFormat.compact(9_959_546)).isEqualTo("9.96 M");
    assertThat(ChartImage.CompactFormat.compact(287_386)).isEqualTo("287 k");
    assertThat(ChartImage.CompactFormat.compact(59_767)).isEqualTo("59.8 k");
    assertThat(ChartImage.CompactFormat.compact(5_148)).isEqualTo("5,148");
    assertThat(ChartImage.CompactFormat.compact(60.81)).isEqualTo("60.8");
    assertThat(ChartImage.CompactFormat.compact(0.871)).isEqualTo("0.871");
    assertThat(ChartMain.pngName(Path.of("/tmp/redis-async.json"))).isEqualTo("bench-redis-async.png");
  }

  private static int countPixels(BufferedImage image, Color colour) {
    int rgb = colour.getRGB();
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (image.getRGB(x, y) == rgb) {
          n++;
        }
      }
    }
    return n;
  }
}
