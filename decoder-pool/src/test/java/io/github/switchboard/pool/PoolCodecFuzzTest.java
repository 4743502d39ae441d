package io.github.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.switchboard.pool.internal.codec.PoolCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fuzzes every JSON entry point of the pool (the pool file, a node body, a stored node, a heartbeat, a
 * runtime state, an A/B test, a health-check body) with generated input: well-formed values of the format
 * with wrong types and sizes, random mutations of valid documents, and the pathological values (deep
 * nesting, long numbers, long names and strings). Each input must give a valid result or a {@link
 * PoolFormatException} with a short message that names the source; nothing else may escape. About 12,000
 * inputs in a few seconds; the count is printed at the end.
 */
class PoolCodecFuzzTest {
  private static final AtomicLong INPUTS = new AtomicLong();

  /** The entry points, each with the source name its messages start with. */
  private enum EntryPoint {
    DOCUMENT("pool.json", s -> PoolCodec.readDocument(s, "pool.json")),
    DOCUMENT_BYTES("pool.json", s -> PoolCodec.readDocument(s.getBytes(StandardCharsets.UTF_8), "pool.json")),
    NODE("node", PoolJson::readNode),
    STORED_NODE("node", PoolCodec::readStoredNode),
    LOAD("load", PoolJson::readLoad),
    RUNTIME("runtime", PoolCodec::readRuntime),
    AB_TEST("ab_test", PoolCodec::readAbTest),
    HEALTH_BODY(null, PoolCodec::readHealthLoad);

    final String source;
    final Function<String, Object> read;

    EntryPoint(String source, Function<String, Object> read) {
      this.source = source;
      this.read = read;
    }
  }

  /** Feeds one input to every entry point: a result, or a named PoolFormatException, nothing else. */
  private static void check(String input) {
    for (EntryPoint p : EntryPoint.values()) {
      INPUTS.incrementAndGet();
      try {
        Object result = p.read.apply(input);
        assertThat(result).as("%s: a result", p).isNotNull();
      } catch (PoolFormatException e) {
        assertThat(p.source).as("%s never throws", p).isNotNull();
        assertThat(e.getMessage()).as("%s: the message", p).startsWith(p.source).hasSizeLessThan(2000);
      } catch (RuntimeException | Error e) {
        throw new AssertionError(p + " threw " + e + " for input of " + input.length() + " characters: "
            + (input.length() > 200 ? input.substring(0, 200) + "..." : input), e);
      }
    }
  }

  @AfterContainer
  static void report() {
    System.out.println("PoolCodecFuzzTest: " + INPUTS.get() + " entry-point calls ("
        + INPUTS.get() / EntryPoint.values().length + " inputs x " + EntryPoint.values().length
        + " entry points)");
  }

  // ------------------------------------------------------------------------------------------ properties

  @Property(tries = 4000)
  void generatedValuesOfTheFormat(@ForAll("documents") String json) {
    check(json);
  }

  @Property(tries = 4000)
  void mutatedValidDocuments(@ForAll("mutations") String json) {
    check(json);
  }

  @Property(tries = 400)
  void pathologicalValues(@ForAll("pathological") String json) {
    check(json);
  }

  @Property(tries = 3000)
  void arbitraryText(@ForAll("text") String json) {
    check(json);
  }

  // --------------------------------------------------------------------------------- the three bombs

  @ParameterizedTest
  @ValueSource(strings = {"depth", "number", "name"})
  void theThreeReportedBodiesAreNamedErrors(String kind) {
    String bomb = switch (kind) {
      case "depth" -> "[".repeat(1001) + "]".repeat(1001);
      case "number" -> "{\"node_id\": \"n\", \"endpoint\": \"http://n:1\", \"capacity\": 1" + "0".repeat(1500) + "}";
      default -> "{\"" + "a".repeat(55_000) + "\": 1}";
    };
    check(bomb);
    assertThatThrownBy(() -> PoolJson.readNode(bomb)).isInstanceOf(PoolFormatException.class)
        .hasMessageStartingWith("node: over a limit: ").hasMessageNotContaining("`")
        .hasMessageEndingWith(")");
    assertThatThrownBy(() -> PoolCodec.readDocument("{\"nodes\": [" + bomb + "]}", "pool.json"))
        .isInstanceOf(PoolFormatException.class)
        .hasMessageStartingWith("pool.json: over a limit: ");
  }

  @Test
  void aDocumentOverItsLengthIsRefusedBeforeParsing() {
    String big = "{\"nodes\": [], \"pad\": \"" + "x".repeat(PoolCodec.MAX_STRING_LENGTH + 1) + "\"}";
    assertThatThrownBy(() -> PoolJson.readNode(big + " ".repeat(PoolCodec.MAX_VALUE_LENGTH)))
        .isInstanceOf(PoolFormatException.class)
        .hasMessageContaining("too large")
        .hasMessageContaining(String.valueOf(PoolCodec.MAX_VALUE_LENGTH));
    assertThatThrownBy(() -> PoolCodec.readDocument(big, "pool.json"))
        .isInstanceOf(PoolFormatException.class)
        .hasMessageContaining("over a limit");
  }

  @Test
  void anEndOfInputWithoutLocationIsStillNamed() {
    for (String s : List.of("", " ", "{", "[", "{\"a\":", "\"", "tru", "-", "1e", "{\"nodes\": [}")) {
      check(s);
    }
  }

  // ------------------------------------------------------------------------------------------ arbitraries

  @Provide
  Arbitrary<String> documents() {
    Arbitrary<String> node = nodeObject();
    Arbitrary<String> nodes = node.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]");
    Arbitrary<String> abTest = Combinators.combine(scalar(), scalar(), scalar(), strings().list().ofMaxSize(3))
        .as((name, pair, pct, tags) -> "{\"name\":" + name + ",\"language_pair\":" + pair
            + ",\"traffic_percentage\":" + pct + ",\"is_active\":true,\"control_group_tags\":"
            + jsonArray(tags) + ",\"experiment_group_tags\":[]}");
    Arbitrary<String> tests = abTest.list().ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]");
    Arbitrary<String> load = Combinators.combine(scalar(), scalar(), scalar(), scalar())
        .as((l, f, up, hb) -> "{\"load\":" + l + ",\"inflight\":" + f + ",\"uptime\":" + up
            + ",\"last_heartbeat\":" + hb + ",\"hot_adapters\":[]}");
    Arbitrary<String> doc = Combinators.combine(nodes, tests)
        .as((n, t) -> "{\"nodes\":" + n + ",\"ab_tests\":" + t + "}");
    return Arbitraries.oneOf(doc, nodes, node, abTest, load, scalar());
  }

  private Arbitrary<String> nodeObject() {
    Arbitrary<String> id = Arbitraries.oneOf(Arbitraries.strings().withCharRange('a', 'z').numeric()
        .withChars("-_.").ofMinLength(1).ofMaxLength(140).map(PoolCodecFuzzTest::quote), scalar());
    Arbitrary<String> endpoint = Arbitraries.oneOf(
        Arbitraries.of("http://n:1", "https://a.b:443/x", "ftp://x", "http://", "::", "http://[::1]:8001",
            "http://h:99999", "relative/path", "http://h:1/%zz").map(PoolCodecFuzzTest::quote),
        scalar());
    return Combinators.combine(id, endpoint, scalar(), scalar(), strings().list().ofMaxSize(4), scalar(),
            scalar(), scalar())
        .as((i, e, status, priority, langs, region, capacity, dynamic) -> "{\"node_id\":" + i
            + ",\"endpoint\":" + e + ",\"status\":" + status + ",\"priority\":" + priority
            + ",\"languages\":" + jsonArray(langs) + ",\"region\":" + region + ",\"capacity\":" + capacity
            + ",\"dynamic\":" + dynamic + ",\"health_url\":" + e + ",\"load\":" + priority + "}");
  }

  /** Any JSON scalar or a small container, with values at and past every rule's edges. */
  private Arbitrary<String> scalar() {
    return Arbitraries.oneOf(
        Arbitraries.of("null", "true", "false", "0", "-1", "1", "100", "2147483647", "2147483648",
            "-2147483649", "1.5", "1e308", "1e309", "-1e309", "1e-400", "NaN", "\"active\"", "\"draining\"",
            "\"en\"", "\"\"", "[]", "{}", "[1]", "{\"a\":[]}", "\"\\u0000\"", "\"\\ud800\"",
            "9223372036854775808", "0.1e1", "1E+2"),
        Arbitraries.integers().map(String::valueOf),
        Arbitraries.doubles().map(String::valueOf).filter(s -> !s.contains("N") && !s.contains("I")),
        strings().map(PoolCodecFuzzTest::quote));
  }

  private Arbitrary<String> strings() {
    return Arbitraries.strings().all().ofMaxLength(20);
  }

  @Provide
  Arbitrary<String> mutations() {
    String valid = "{\"nodes\":[{\"node_id\":\"decoder-1\",\"endpoint\":\"http://decoder:8001\","
        + "\"health_url\":\"http://decoder:8001/health\",\"status\":\"active\",\"languages\":[\"en\",\"es\"],"
        + "\"priority\":1,\"region\":\"us-east-1\",\"gpu_type\":\"T4\",\"capacity\":100,"
        + "\"tags\":[\"production\"],\"load\":1.5,\"inflight\":2,\"last_heartbeat\":12}],"
        + "\"ab_tests\":[{\"name\":\"es-v2\",\"is_active\":true,\"language_pair\":\"en-es\","
        + "\"traffic_percentage\":10,\"control_group_tags\":[\"stable\"],\"experiment_group_tags\":[]}]}";
    Arbitrary<String> base = Arbitraries.oneOf(Arbitraries.just(valid), documents());
    Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.chars().all())
        .as((op, at, c) -> new int[] {op, at, c});
    return Combinators.combine(base, edit.list().ofMinSize(1).ofMaxSize(8)).as((s, edits) -> {
      StringBuilder b = new StringBuilder(s);
      for (int[] e : edits) {
        int at = b.length() == 0 ? 0 : e[1] % b.length();
        char c = "{}[]\",:0-e.\\ ".charAt(e[2] % 13);
        switch (e[0]) {
          case 0 -> b.insert(at, c);
          case 1 -> {
            if (b.length() > 0) {
              b.deleteCharAt(at);
            }
          }
          case 2 -> {
            if (b.length() > 0) {
              b.setCharAt(at, (char) e[2]);
            }
          }
          default -> b.setLength(at);
        }
      }
      return b.toString();
    });
  }

  @Provide
  Arbitrary<String> pathological() {
    Arbitrary<Integer> size = Arbitraries.oneOf(Arbitraries.integers().between(0, 3000),
        Arbitraries.of(30, 31, 32, 33, 63, 64, 65, 999, 1000, 1001));
    Arbitrary<String> deep = Combinators.combine(size, Arbitraries.of("[", "{\"a\":"), Arbitraries.of(true, false))
        .as((n, open, closed) -> open.repeat(n) + "1"
            + (closed ? (open.equals("[") ? "]" : "}").repeat(n) : ""));
    Arbitrary<String> number = Combinators.combine(size, Arbitraries.of("", "-", "0.", "1e"),
            Arbitraries.of("capacity", "load", "priority", "last_heartbeat", "traffic_percentage"))
        .as((n, sign, field) -> "{\"node_id\":\"n\",\"endpoint\":\"http://n:1\",\"name\":\"t\","
            + "\"language_pair\":\"en-es\",\"" + field + "\":" + sign + "7".repeat(n + 1) + "}");
    Arbitrary<Integer> length = Arbitraries.oneOf(Arbitraries.integers().between(0, 70_000),
        Arbitraries.of(255, 256, 257, 50_000, 55_000, 65_536, 65_537));
    Arbitrary<String> name = length.map(n -> "{\"nodes\":[],\"" + "k".repeat(n) + "\":1}");
    Arbitrary<String> string = length.map(n -> "{\"node_id\":\"" + "x".repeat(n) + "\",\"endpoint\":\"http://n:1\"}");
    Arbitrary<String> wide = Arbitraries.integers().between(0, 20_000)
        .map(n -> "{\"nodes\":[" + "{\"node_id\":\"n\",\"endpoint\":\"http://n:1\"},".repeat(n) + "1]}");
    return Arbitraries.oneOf(deep, number, name, string, wide);
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(64),
        Arbitraries.strings().withChars("{}[]\":,0123456789.eE+-truefalsn \\u").ofMaxLength(64));
  }

  // -------------------------------------------------------------------------------------------- helpers

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static String jsonArray(List<String> items) {
    return "[" + String.join(",", items.stream().map(PoolCodecFuzzTest::quote).toList()) + "]";
  }
}
