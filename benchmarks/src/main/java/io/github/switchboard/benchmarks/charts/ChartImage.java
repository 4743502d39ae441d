package io.github.switchboard.benchmarks.charts;

import io.github.switchboard.benchmarks.charts.ChartPanels.Panel;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.CategoryItemLabelGenerator;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.statistics.StatisticalCategoryDataset;
import org.jspecify.annotations.Nullable;

/**
 * Draws chart panels one above the other into one PNG: horizontal bars, the value at the end of each bar,
 * JMH's error as an error bar. With one series, Switchboard's bars are blue, the peers' orange and the
 * ceilings (raw {@code EVALSHA}, raw {@code GET}, Caffeine) grey.
 */
public final class ChartImage {

  /** Height of a panel's title, subtitle, value axis and margins, in pixels. */
  static final int PANEL_FRAME = 110;
  /** Height of the legend of a panel with more than one series. */
  static final int LEGEND = 30;
  /** Height of one bar. */
  static final int BAR = 22;
  /** Space between two groups of bars. */
  static final int GROUP_GAP = 10;
  /** Height of the title above the first panel, when there is one. */
  static final int TITLE = 36;
  /** Space between a value's label and the bar's edge. */
  private static final int LABEL_PAD = 4;

  private static final Color SWITCHBOARD = new Color(0x1f, 0x77, 0xb4);
  private static final Color PEER = new Color(0xff, 0x7f, 0x0e);
  private static final Color CEILING = new Color(0xa0, 0xa0, 0xa0);
  private static final Color[] SERIES = {
    SWITCHBOARD, PEER, new Color(0x2c, 0xa0, 0x2c), new Color(0xd6, 0x27, 0x28), new Color(0x94, 0x67, 0xbd),
    new Color(0x8c, 0x56, 0x4b)
  };

  private ChartImage() {}

  /**
   * The height of one panel in pixels: its frame, a bar per series and column, and a legend when there is
   * more than one series.
   *
   * @param panel the panel
   * @return its height
   */
  public static int height(Panel panel) {
    int rows = panel.dataset().getRowCount();
    int columns = panel.dataset().getColumnCount();
    return PANEL_FRAME + (rows > 1 ? LEGEND : 0) + columns * (rows * BAR + GROUP_GAP);
  }

  /**
   * The height of the whole image.
   *
   * @param panels the panels, one above the other
   * @param title whether a title is drawn above them
   * @return the sum of the panels' heights and the title's
   */
  public static int height(List<Panel> panels, boolean title) {
    int sum = title ? TITLE : 0;
    for (Panel p : panels) {
      sum += height(p);
    }
    return sum;
  }

  /**
   * Draws the panels and writes them as a PNG, creating the file's directory if needed.
   *
   * @param panels the panels, at least one
   * @param options the width, the title and the axis scale
   * @param file the PNG to write
   * @throws IOException if the file cannot be written
   */
  public static void write(List<Panel> panels, ChartOptions options, Path file) throws IOException {
    if (panels.isEmpty()) {
      throw new IllegalArgumentException("no panel to draw into " + file
          + ": the options selected no result (check --include and --modes)");
    }
    int width = options.width();
    int height = height(panels, options.title() != null);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      int y = 0;
      if (options.title() != null) {
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.setColor(Color.BLACK);
        FontMetrics metrics = g.getFontMetrics();
        int x = Math.max(0, (width - metrics.stringWidth(options.title())) / 2);
        g.drawString(options.title(), x, (TITLE + metrics.getAscent() - metrics.getDescent()) / 2 + 4);
        y = TITLE;
      }
      for (Panel panel : panels) {
        int h = height(panel);
        chart(panel, options.logScale()).draw(g, new Rectangle2D.Double(0, y, width, h));
        y += h;
      }
    } finally {
      g.dispose();
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer in this JVM for " + file);
    }
  }

  /**
   * The chart of one panel.
   *
   * @param panel the panel
   * @param logScale whether the value axis is logarithmic
   * @return the chart, ready to draw
   */
  static JFreeChart chart(Panel panel, boolean logScale) {
    DefaultStatisticalCategoryDataset data = panel.dataset();
    String better = panel.lowerIsBetter() ? "lower is better" : "higher is better";
    ValueAxis values = logScale ? new LogAxis(panel.unit() + " (" + better + ", log scale)")
        : new NumberAxis(panel.unit() + " (" + better + ")");
    values.setUpperMargin(0.08);
    if (values instanceof NumberAxis n) {
      n.setNumberFormatOverride(new CompactFormat());
    } else if (values instanceof LogAxis l) {
      l.setNumberFormatOverride(new CompactFormat());
      l.setTickUnit(new NumberTickUnit(1)); // one tick a power of ten
      logRange(l, data);
    }
    CategoryAxis bars = new CategoryAxis(null);
    bars.setCategoryMargin(0.15);
    bars.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    bars.setMaximumCategoryLabelWidthRatio(0.45f);

    StatisticalBarRenderer renderer = new FamilyColours(data.getRowCount() == 1);
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setDrawBarOutline(false);
    renderer.setErrorIndicatorPaint(Color.DARK_GRAY);
    renderer.setErrorIndicatorStroke(new BasicStroke(1.2f));
    renderer.setItemMargin(0.05);
    renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new CompactFormat()));
    renderer.setDefaultItemLabelsVisible(true);
    renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
    for (int row = 0; row < data.getRowCount(); row++) {
      renderer.setSeriesPaint(row, SERIES[row % SERIES.length]);
    }

    CategoryPlot plot = new CategoryPlot(data, bars, values, renderer);
    plot.setOrientation(PlotOrientation.HORIZONTAL);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setOutlineVisible(false);
    JFreeChart chart = new JFreeChart(panel.title(), new Font(Font.SANS_SERIF, Font.BOLD, 14), plot,
        data.getRowCount() > 1);
    chart.addSubtitle(new TextTitle(panel.subtitle(), new Font(Font.SANS_SERIF, Font.PLAIN, 11)));
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    return chart;
  }

  /**
   * A logarithmic axis from the power of ten below the lowest bar (or error bar) to above the highest: the
   * bars start at that power, not at the axis's smallest value.
   */
  private static void logRange(LogAxis axis, DefaultStatisticalCategoryDataset data) {
    double low = Double.POSITIVE_INFINITY;
    double high = 0;
    for (int row = 0; row < data.getRowCount(); row++) {
      for (int column = 0; column < data.getColumnCount(); column++) {
        Number mean = data.getMeanValue(row, column);
        Number sd = data.getStdDevValue(row, column);
        if (mean == null || mean.doubleValue() <= 0) {
          continue;
        }
        double spread = sd == null ? 0 : sd.doubleValue();
        double bottom = mean.doubleValue() - spread;
        low = Math.min(low, bottom > 0 ? bottom : mean.doubleValue());
        high = Math.max(high, mean.doubleValue() + spread);
      }
    }
    if (high > 0) {
      axis.setSmallestValue(Math.pow(10, Math.floor(Math.log10(low))));
      axis.setRange(Math.pow(10, Math.floor(Math.log10(low))), high * 2);
    }
  }

  /**
   * With one series, each bar coloured by who it measures; with more, each series its colour. The value is
   * written inside the bar at its base, in white, or when it does not fit there, in black past the bar's
   * end and its error bar.
   */
  private static final class FamilyColours extends StatisticalBarRenderer {
    private static final long serialVersionUID = 1L;
    private final boolean byFamily;
    private transient @Nullable Rectangle2D dataArea;
    private transient @Nullable ValueAxis valueAxis;

    FamilyColours(boolean byFamily) {
      this.byFamily = byFamily;
    }

    @Override
    public Paint getItemPaint(int row, int column) {
      if (!byFamily) {
        return super.getItemPaint(row, column);
      }
      return family(String.valueOf(getPlot().getDataset().getColumnKey(column)));
    }

    @Override
    protected void drawHorizontalItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D area,
        CategoryPlot plot, CategoryAxis domainAxis, ValueAxis rangeAxis, StatisticalCategoryDataset dataset,
        int visibleRow, int row, int column) {
      this.dataArea = area;
      this.valueAxis = rangeAxis;
      super.drawHorizontalItem(g2, state, area, plot, domainAxis, rangeAxis, dataset, visibleRow, row, column);
    }

    @Override
    protected void drawItemLabel(Graphics2D g2, CategoryDataset data, int row, int column, CategoryPlot plot,
        CategoryItemLabelGenerator generator, Rectangle2D bar, boolean negative) {
      String label = generator.generateLabel(data, row, column);
      if (label == null) {
        return;
      }
      g2.setFont(getItemLabelFont(row, column));
      FontMetrics metrics = g2.getFontMetrics();
      float y = (float) (bar.getCenterY() + (metrics.getAscent() - metrics.getDescent()) / 2.0);
      int width = metrics.stringWidth(label);
      if (width + 2 * LABEL_PAD <= bar.getWidth()) {
        g2.setPaint(Color.WHITE);
        g2.drawString(label, (float) bar.getMinX() + LABEL_PAD, y);
        return;
      }
      double end = bar.getMaxX();
      if (data instanceof StatisticalCategoryDataset stats && dataArea != null && valueAxis != null) {
        Number mean = stats.getMeanValue(row, column);
        Number sd = stats.getStdDevValue(row, column);
        if (mean != null && sd != null) {
          end = Math.max(end, valueAxis.valueToJava2D(mean.doubleValue() + sd.doubleValue(), dataArea,
              plot.getRangeAxisEdge()));
        }
      }
      g2.setPaint(Color.BLACK);
      g2.drawString(label, (float) end + LABEL_PAD, y);
    }
  }

  /**
   * The colour of a bar by the name of what it measures.
   *
   * @param name the bar's name, as a limiter or cache type
   * @return grey for a ceiling, orange for a peer, blue for Switchboard and anything else
   */
  static Color family(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    if (n.contains("SWITCHBOARD")) {
      return SWITCHBOARD;
    }
    if (n.startsWith("EVALSHA") || n.startsWith("LETTUCE_GET") || n.startsWith("CAFFEINE")) {
      return CEILING;
    }
    if (n.contains("BUCKET4J") || n.contains("REDISSON") || n.contains("GUAVA") || n.contains("RESILIENCE4J")) {
      return PEER;
    }
    return SWITCHBOARD;
  }

  /** 22,091,945 as 22.1 M, 9,959,546 as 9.96 M, 287,386 as 287 k, 60.81 as 60.8, 0.871 as 0.871. */
  static final class CompactFormat extends NumberFormat {
    private static final long serialVersionUID = 1L;

    @Override
    public StringBuffer format(double number, StringBuffer to, FieldPosition pos) {
      return to.append(compact(number));
    }

    @Override
    public StringBuffer format(long number, StringBuffer to, FieldPosition pos) {
      return to.append(compact(number));
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
      throw new UnsupportedOperationException("a chart label is not parsed");
    }

    private static String fmt(String pattern, double v) {
      return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v);
    }

    static String compact(double v) {
      double a = Math.abs(v);
      if (a >= 1e9) {
        return fmt("0.##", v / 1e9) + " G";
      }
      if (a >= 1e6) {
        return fmt(a >= 1e8 ? "0" : a >= 1e7 ? "0.#" : "0.##", v / 1e6) + " M";
      }
      if (a >= 1e4) {
        return fmt(a >= 1e5 ? "0" : "0.#", v / 1e3) + " k";
      }
      if (a >= 100 || a == 0) {
        return fmt("#,##0", v);
      }
      return fmt(a >= 10 ? "0.#" : a >= 1 ? "0.##" : "0.###", v);
    }
  }
}
