package io.github.switchboard.examples.coordinator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http.HttpStatus;
import org.jspecify.annotations.Nullable;

/** Small helpers over {@link Exchange}: JSON and RFC 9457 problem answers, digests. */
final class Http {
  static final String JSON = "application/json";
  static final String PROBLEM_JSON = "application/problem+json";
  /** The problem type of every 429 (draft-ietf-httpapi-ratelimit-headers). */
  static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Http() {}

  /** A request body that is not handled: too large ({@code 413}) or not received in time ({@code 408}). */
  static final class BodyRefused extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;

    BodyRefused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    static BodyRefused tooLarge(long max) {
      return new BodyRefused(413, "the request body is larger than " + max + " bytes");
    }
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static void sendJson(Exchange ex, int status, ObjectNode body) throws IOException {
    send(ex, status, JSON, body.toString());
  }

  static void send(Exchange ex, int status, String contentType, String body) throws IOException {
    ex.respond(status, contentType, body);
  }

  static void sendEmpty(Exchange ex, int status) throws IOException {
    ex.respond(status, null, "");
  }

  /**
   * Sends an RFC 9457 problem: {@code type} {@code about:blank}, {@code title} the status's reason phrase,
   * {@code status}, {@code detail} and {@code instance} (the request path).
   */
  static void problem(Exchange ex, int status, String detail, Map<String, String> headers)
      throws IOException {
    headers.forEach(ex::setHeader);
    send(ex, status, PROBLEM_JSON, problemJson(status, detail, ex.rawPath()));
  }

  static void problem(Exchange ex, int status, String detail) throws IOException {
    problem(ex, status, detail, Map.of());
  }

  /** {@link #problem(Exchange, int, String, Map)} without waiting, from any thread. */
  static CompletableFuture<Void> problemLater(Exchange ex, int status, String detail, Map<String, String> headers) {
    headers.forEach(ex::setHeader);
    byte[] body = problemJson(status, detail, ex.rawPath()).getBytes(StandardCharsets.UTF_8);
    return ex.respondLater(status, PROBLEM_JSON, body);
  }

  /**
   * Sends a {@code 429} problem of the type {@link #QUOTA_EXCEEDED}, with {@code violated-policies} naming
   * the limits that denied (as the {@code RateLimit-Policy} field names them).
   */
  static void quotaExceeded(Exchange ex, String detail, List<String> violatedPolicies, Map<String, String> headers)
      throws IOException {
    headers.forEach(ex::setHeader);
    ObjectNode o = problemObject(429, detail, ex.rawPath());
    o.put("type", QUOTA_EXCEEDED);
    o.put("title", "Request cannot be satisfied as assigned quota has been exceeded");
    violatedPolicies.forEach(o.putArray("violated-policies")::add);
    send(ex, 429, PROBLEM_JSON, o.toString());
  }

  /** The problem document; {@code instance} is left out when empty. */
  static String problemJson(int status, String detail, @Nullable String instance) {
    return problemObject(status, detail, instance).toString();
  }

  private static ObjectNode problemObject(int status, String detail, @Nullable String instance) {
    ObjectNode o = object();
    o.put("type", "about:blank");
    o.put("title", reason(status));
    o.put("status", status);
    o.put("detail", detail);
    if (instance != null && !instance.isEmpty()) {
      o.put("instance", instance);
    }
    return o;
  }

  static @Nullable String header(Exchange ex, String name) {
    String v = ex.header(name);
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
      case 408 -> "Request Timeout";
      case 413 -> "Content Too Large";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> {
        String m = HttpStatus.getMessage(status);
        yield m == null || m.isEmpty() ? "HTTP " + status : m;
      }
    };
  }
}
