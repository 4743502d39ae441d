package io.github.switchboard.examples.coordinator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Small helpers over {@link HttpExchange}: bodies with a size bound, JSON and RFC 9457 problem answers. */
final class Http {
  static final String JSON = "application/json";
  static final String PROBLEM_JSON = "application/problem+json";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Http() {}

  /** A request body above the configured bound. */
  static final class BodyTooLarge extends Exception {
    private static final long serialVersionUID = 1L;

    BodyTooLarge(int max) {
      super("the request body is larger than " + max + " bytes", null, false, false);
    }
  }

  /**
   * Reads the whole body, failing once it is known to exceed {@code max} bytes. The rest of a body that is
   * too large is read and dropped (up to {@link #DRAIN_LIMIT} bytes) so that the client, still sending,
   * gets the 413 instead of a reset connection; a larger one makes the connection close.
   */
  static String readBody(HttpExchange ex, int max) throws IOException, BodyTooLarge {
    InputStream in = ex.getRequestBody();
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        declared = -1; // the server rejects a malformed length before the handler runs
      }
      if (declared > max) {
        drain(ex, in);
        throw new BodyTooLarge(max);
      }
    }
    byte[] bytes = in.readNBytes(max + 1);
    if (bytes.length > max) {
      drain(ex, in);
      throw new BodyTooLarge(max);
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The most bytes of a too-large body read and dropped before answering. */
  static final long DRAIN_LIMIT = 1024 * 1024;

  private static void drain(HttpExchange ex, InputStream in) throws IOException {
    byte[] buffer = new byte[8192];
    long left = DRAIN_LIMIT;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        return;
      }
      left -= n;
    }
    ex.getResponseHeaders().set("Connection", "close");
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static void sendJson(HttpExchange ex, int status, ObjectNode body) throws IOException {
    send(ex, status, JSON, body.toString());
  }

  static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    if (bytes.length == 0 || ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1); // a HEAD answer has no body
      ex.close();
      return;
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  static void sendEmpty(HttpExchange ex, int status) throws IOException {
    ex.sendResponseHeaders(status, -1);
    ex.close();
  }

  /**
   * Sends an RFC 9457 problem: {@code type} {@code about:blank}, {@code title} the status's reason phrase,
   * {@code status}, {@code detail} and {@code instance} (the request path).
   */
  static void problem(HttpExchange ex, int status, String detail, Map<String, String> headers)
      throws IOException {
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ObjectNode o = object();
    o.put("type", "about:blank");
    o.put("title", reason(status));
    o.put("status", status);
    o.put("detail", detail);
    String path = ex.getRequestURI().getRawPath();
    if (path != null) {
      o.put("instance", path);
    }
    send(ex, status, PROBLEM_JSON, o.toString());
  }

  static void problem(HttpExchange ex, int status, String detail) throws IOException {
    problem(ex, status, detail, Map.of());
  }

  static @Nullable String header(HttpExchange ex, String name) {
    String v = ex.getRequestHeaders().getFirst(name);
    if (v == null) {
      return null;
    }
    v = v.strip();
    return v.isEmpty() ? null : v;
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  static String sha256Hex(String text) {
    return HexFormat.of().formatHex(sha256(text));
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Content Too Large";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "HTTP " + status;
    };
  }
}
