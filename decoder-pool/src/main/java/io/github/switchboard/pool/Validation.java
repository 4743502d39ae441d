package io.github.switchboard.pool;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The validation rules of the model, shared by builders, records and the JSON reader. */
final class Validation {
  /** Node id: 1..128 letters, digits, '.', '_', '-'; not "." or ".." (see {@link #NODE_ID_RULE}). */
  static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /** The node id rule, as the errors state it. */
  static final String NODE_ID_RULE = "node_id must be 1 to 128 letters, digits, '.', '_' or '-', and not '.' or"
      + " '..' (it is a segment of the node's URL path)";

  /**
   * Language code: 2 or 3 lower-case letters, optionally a subtag: a script (4 letters, first upper case,
   * "zh-Hant"), a region (2 upper-case letters, "pt-BR") or a UN M.49 area (3 digits, "es-419").
   */
  static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}(-([A-Z][a-z]{3}|[A-Z]{2}|[0-9]{3}))?");

  /** Language pair of an A/B test: two primary language codes, "en-es". */
  static final Pattern LANGUAGE_PAIR = Pattern.compile("[a-z]{2,3}-[a-z]{2,3}");

  static final int MAX_LABEL = 128;

  private Validation() {}

  static boolean isNodeId(@Nullable String id) {
    return id != null && NODE_ID.matcher(id).matches() && !id.equals(".") && !id.equals("..");
  }

  static String nodeId(@Nullable String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("node_id must not be empty");
    }
    if (!isNodeId(id)) {
      throw new IllegalArgumentException(NODE_ID_RULE + ", was '" + abbreviate(id) + "'");
    }
    return id;
  }

  static URI httpUri(@Nullable URI uri, String field) {
    if (uri == null) {
      throw new IllegalArgumentException(field + " must be set");
    }
    String scheme = uri.getScheme();
    boolean ok = uri.isAbsolute()
        && scheme != null
        && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        && uri.getHost() != null
        && !uri.getHost().isEmpty();
    if (!ok) {
      throw new IllegalArgumentException(
          field + " must be an absolute http or https URI with a host (such as http://decoder:8001), was '"
              + abbreviate(redacted(uri)) + "'");
    }
    if (uri.getRawUserInfo() != null) {
      // refused rather than hidden: a node URI is shown by the unauthenticated GET routes and in logs
      throw new IllegalArgumentException(field + " must not hold credentials (user:password@), was '"
          + abbreviate(redacted(uri)) + "'");
    }
    return uri;
  }

  /** The URI as text with its user information (credentials) replaced by "***". */
  static String redacted(URI uri) {
    String s = uri.toString();
    String info = uri.getRawUserInfo();
    if (info == null) {
      return s;
    }
    int at = s.indexOf(info + "@");
    return at < 0 ? "(a URI with credentials)" : s.substring(0, at) + "***" + s.substring(at + info.length());
  }

  static String language(@Nullable String code, String field) {
    if (code == null || !LANGUAGE.matcher(code).matches()) {
      throw new IllegalArgumentException(
          field
              + " must be a language code of 2-3 lower-case letters with an optional subtag"
              + " (en, pt-BR, zh-Hant, es-419), was '"
              + (code == null ? "null" : abbreviate(code))
              + "'");
    }
    return code;
  }

  static List<String> languages(Collection<String> codes, String field) {
    return distinct(codes, field, Validation::language);
  }

  /** Checks each value (named {@code field[i]} in an error) and keeps the first of equal ones, in order. */
  private static List<String> distinct(
      Collection<String> values, String field, BiFunction<String, String, String> check) {
    if (values.isEmpty()) {
      return List.of(); // the usual load of a heartbeat: no hot adapters, nothing to build
    }
    Set<String> out = new LinkedHashSet<>();
    int i = 0;
    for (String v : values) {
      out.add(check.apply(v, field + "[" + i + "]"));
      i++;
    }
    return List.copyOf(out);
  }

  /** A free-form label (tag, region, GPU type, A/B test name): 1..128 characters, no space or control. */
  static String label(@Nullable String value, String field) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(field + " must not be empty");
    }
    if (value.length() > MAX_LABEL) {
      throw new IllegalArgumentException(
          field + " must be at most " + MAX_LABEL + " characters, was " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            field + " must not contain spaces or control characters, was '" + abbreviate(value) + "'");
      }
    }
    return value;
  }

  static List<String> labels(Collection<String> values, String field) {
    return distinct(values, field, Validation::label);
  }

  static List<String> copy(String[] values, String field) {
    Objects.requireNonNull(values, field);
    List<String> out = new ArrayList<>(values.length);
    for (String v : values) {
      out.add(Objects.requireNonNull(v, field));
    }
    return out;
  }

  static String abbreviate(String s) {
    return s.length() <= 160 ? s : s.substring(0, 157) + "...";
  }
}
