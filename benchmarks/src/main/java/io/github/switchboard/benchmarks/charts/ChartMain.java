package io.github.switchboard.benchmarks.charts;

import io.github.switchboard.benchmarks.charts.ChartPanels.Panel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Draws the charts of JMH JSON result files: for each {@code NAME.json}, {@code OUT-DIR/bench-NAME.png}
 * ({@code --name} names the chart of a single file otherwise).
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.github.switchboard.benchmarks.charts.ChartMain \
 *     [--include REGEX] [--modes thrpt,avgt,sample] [--by PARAM] [--percentiles 50,99] [--errors sd|ci] \
 *     [--log] [--width 1000] [--title TEXT] [--name NAME] FILE.json... OUT-DIR
 * }</pre>
 *
 * <p>Each benchmark method and mode becomes one panel of horizontal bars (a sample-time result one panel
 * per percentile), the values of its peer parameter ({@code limiter}, {@code cache}, ..., or {@code --by})
 * on the axis, its other varying parameters as series side by side. The error bars are one standard
 * deviation of the measured iterations ({@code --errors ci}: JMH's error, half its 99.9 % confidence
 * interval, which is 31.6 standard errors with 3 iterations). Runs headless.
 */
public final class ChartMain {

  private static final String USAGE = "usage: ChartMain [--include REGEX] [--modes thrpt,avgt,sample,ss]"
      + " [--by PARAM] [--percentiles 50,99] [--errors sd|ci] [--log] [--width PIXELS] [--title TEXT]"
      + " [--name NAME] FILE.json... OUT-DIR";

  private ChartMain() {}

  /**
   * Runs the tool; exits with status 2 on bad arguments and 1 when a file cannot be read or written.
   *
   * @param args the options, the JMH JSON files and the output directory
   */
  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    int status;
    try {
      run(args, System.out);
      status = 0;
    } catch (IllegalArgumentException e) {
      System.err.println("ChartMain: " + e.getMessage());
      System.err.println(USAGE);
      status = 2;
    } catch (IOException e) {
      System.err.println("ChartMain: " + e);
      status = 1;
    }
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Parses the arguments, draws every file's chart and says what it wrote.
   *
   * @param args the options, the JMH JSON files and the output directory
   * @param out where the written files are reported
   * @return the PNG files written, in the order of the JSON files
   * @throws IOException if a file cannot be read or written
   * @throws IllegalArgumentException on bad arguments, naming the option and the rule
   */
  public static List<Path> run(String[] args, PrintStream out) throws IOException {
    @Nullable Pattern include = null;
    Set<String> modes = new LinkedHashSet<>();
    @Nullable String by = null;
    List<String> percentiles = ChartOptions.defaults().percentiles();
    boolean log = false;
    boolean ci = false;
    int width = ChartOptions.defaults().width();
    @Nullable String title = null;
    @Nullable String name = null;
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--include" -> {
          String regex = value(args, ++i, a);
          try {
            include = Pattern.compile(regex);
          } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--include must be a regular expression: " + e.getDescription(), e);
          }
        }
        case "--modes" -> {
          for (String m : value(args, ++i, a).split(",")) {
            if (!Set.of("thrpt", "avgt", "sample", "ss").contains(m)) {
              throw new IllegalArgumentException("--modes takes thrpt, avgt, sample or ss, was '" + m + "'");
            }
            modes.add(m);
          }
        }
        case "--by" -> by = value(args, ++i, a);
        case "--percentiles" -> percentiles = Arrays.stream(value(args, ++i, a).split(","))
            .map(p -> p.contains(".") ? p : p + ".0")
            .toList();
        case "--log" -> log = true;
        case "--errors" -> {
          String e = value(args, ++i, a);
          if (!e.equals("sd") && !e.equals("ci")) {
            throw new IllegalArgumentException("--errors takes sd (one standard deviation of the iterations)"
                + " or ci (JMH's 99.9 % interval), was '" + e + "'");
          }
          ci = e.equals("ci");
        }
        case "--width" -> {
          String w = value(args, ++i, a);
          try {
            width = Integer.parseInt(w);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--width must be a whole number of pixels, was '" + w + "'", e);
          }
        }
        case "--title" -> title = value(args, ++i, a);
        case "--name" -> {
          name = value(args, ++i, a);
          if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("--name must be letters, digits, '.', '_' or '-', was '" + name + "'");
          }
        }
        default -> {
          if (a.startsWith("--")) {
            throw new IllegalArgumentException("unknown option " + a);
          }
          positional.add(a);
        }
      }
    }
    if (positional.size() < 2) {
      throw new IllegalArgumentException("give at least one JMH JSON file and the output directory");
    }
    if (name != null && positional.size() != 2) {
      throw new IllegalArgumentException("--name names the chart of one JSON file, given "
          + (positional.size() - 1));
    }
    ChartOptions options = new ChartOptions(include, modes, by, percentiles, ci, log, width, title);
    Path dir = Path.of(positional.get(positional.size() - 1));
    List<Path> written = new ArrayList<>();
    for (String file : positional.subList(0, positional.size() - 1)) {
      Path json = Path.of(file);
      List<Panel> panels = ChartPanels.of(JmhResult.read(json), options);
      Path png = dir.resolve(name != null ? "bench-" + name + ".png" : pngName(json));
      ChartImage.write(panels, options, png);
      out.printf("wrote %s: %d panel(s), %d x %d px%n", png, panels.size(), width,
          ChartImage.height(panels, title != null));
      written.add(png);
    }
    return written;
  }

  /**
   * The PNG's name for a JSON file: {@code redis-async.json} gives {@code bench-redis-async.png}.
   *
   * @param json the JMH JSON file
   * @return the PNG's file name
   */
  static String pngName(Path json) {
    Path file = json.getFileName();
    String base = file == null ? "results" : file.toString();
    if (base.endsWith(".json")) {
      base = base.substring(0, base.length() - ".json".length());
    }
    return "bench-" + base + ".png";
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
