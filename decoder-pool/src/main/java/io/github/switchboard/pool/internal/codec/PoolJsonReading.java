package io.github.switchboard.pool.internal.codec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.switchboard.pool.PoolFormatException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/*
 * The reading side shared by PoolCodec's formats: the bounded parse (every failure a PoolFormatException)
 * and the field readers, which throw IllegalArgumentException naming the field and the rule; PoolCodec
 * turns those into a PoolFormatException naming the node or test. The limits themselves are PoolCodec's.
 */
/** Bounded JSON parsing and field readers for {@link PoolCodec}. */
public final class PoolJsonReading {
  private PoolJsonReading() {}

  /*
   * Every failure becomes a PoolFormatException: a limit (checked here for the total length, by Jackson's
   * StreamReadConstraints for the rest) or a syntax error, whose location may be null.
   */
  static JsonNode parse(ObjectMapper mapper, int maxLength, String json, String source) {
    if (json.length() > maxLength) {
      throw new PoolFormatException(
          source + ": too large: " + json.length() + " characters, the limit is " + maxLength, null);
    }
    JsonNode n;
    try {
      n = mapper.readTree(json);
    } catch (StreamConstraintsException e) {
      throw new PoolFormatException(source + ": over a limit: " + limitMessage(e), e);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null || at.getLineNr() < 0 ? ""
          : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new PoolFormatException(source + ": not valid JSON" + where + ": " + e.getOriginalMessage(), e);
    } catch (RuntimeException e) {
      // Jackson reports some number and encoding problems unchecked
      throw new PoolFormatException(source + ": not valid JSON: " + e.getMessage(), e);
    }
    if (n == null || n.isMissingNode()) {
      throw new PoolFormatException(source + ": no JSON content", null);
    }
    return n;
  }

  /** Jackson's message without its pointer to the setting: "Document nesting depth (33) exceeds ...". */
  private static String limitMessage(StreamConstraintsException e) {
    String m = String.valueOf(e.getOriginalMessage());
    int from = m.indexOf(", from `");
    if (from >= 0) {
      int close = m.indexOf("`)", from);
      m = m.substring(0, from) + (close >= 0 ? m.substring(close + 1) : ")");
    }
    return m;
  }

  static String requiredText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException(field + " is required");
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string, was " + kind(v));
    }
    return v.textValue();
  }

  /** An optional string; null, absent and "" all mean absent. */
  static @Nullable String optionalText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string, was " + kind(v));
    }
    String s = v.textValue();
    return s.isEmpty() ? null : s;
  }

  static @Nullable Integer optionalInt(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    return wholeNumber(v, field);
  }

  static int wholeNumber(JsonNode v, String field) {
    if (!v.isNumber()) {
      throw new IllegalArgumentException(field + " must be a whole number, was " + kind(v));
    }
    double d = v.doubleValue();
    if (d != Math.rint(d) || d > Integer.MAX_VALUE || d < Integer.MIN_VALUE) {
      throw new IllegalArgumentException(field + " must be a whole number, was " + v);
    }
    return (int) d;
  }

  static List<String> stringList(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(field + " must be an array of strings, was " + kind(v));
    }
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isTextual()) {
        throw new IllegalArgumentException(field + "[" + i + "] must be a string, was " + kind(e));
      }
      out.add(e.textValue());
    }
    return out;
  }

  static URI uri(String text, String field) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          field + " must be an absolute http or https URI, was '" + abbreviate(text) + "' (" + e.getReason() + ")");
    }
  }

  static String kind(@Nullable JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "missing";
    }
    return switch (n.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "the string \"" + abbreviate(n.textValue()) + "\"";
      case NUMBER -> "the number " + n;
      case BOOLEAN -> n.toString();
      case NULL -> "null";
      default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
