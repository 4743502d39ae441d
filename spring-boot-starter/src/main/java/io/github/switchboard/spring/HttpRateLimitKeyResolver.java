package io.github.switchboard.spring;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Names the client of an HTTP request for {@link RateLimitFilter}: requests with the same key share one
 * limit. Define a bean of this type to replace the default ({@link #header(String)} on {@code
 * switchboard.rate-limit.http.key-header}), for example to limit by the authenticated user.
 */
@FunctionalInterface
public interface HttpRateLimitKeyResolver {

  /**
   * Returns the rate limiter key of a request.
   *
   * @param request the request
   * @return the key (1 to 1024 UTF-8 bytes), or null to let the request through without limiting it
   */
  @Nullable String resolve(HttpServletRequest request);

  /**
   * Returns the default resolver: a request that carries the header is limited by {@code "key:"} and the
   * SHA-256 (hex) of its value, so that Redis never holds the raw value (an API key is a secret); one
   * without it (or with a blank value) by {@code "addr:"} and its remote address.
   *
   * @param headerName the header that names the client, such as {@code X-API-Key}
   * @return the resolver
   * @throws IllegalArgumentException if the header name is blank
   */
  static HttpRateLimitKeyResolver header(String headerName) {
    Objects.requireNonNull(headerName, "headerName");
    if (headerName.isBlank()) {
      throw new IllegalArgumentException("headerName must not be blank");
    }
    return request -> {
      String value = request.getHeader(headerName);
      if (value != null && !value.isBlank()) {
        return headerKey(value);
      }
      return "addr:" + request.getRemoteAddr();
    };
  }

  /**
   * Returns the key {@link #header(String)} gives a request whose header holds a value: what to pass to
   * {@code LimitPlans.assign} to put that API key on a plan.
   *
   * @param headerValue the header's value, such as the API key
   * @return {@code "key:"} and the SHA-256 (hex) of the stripped value
   */
  static String headerKey(String headerValue) {
    return "key:" + sha256Hex(headerValue.strip());
  }

  /**
   * Returns the SHA-256 of the UTF-8 bytes of a text, as lower-case hex.
   *
   * @param text the text
   * @return 64 hex digits
   */
  static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
