package io.github.switchboard.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** {@code switchboard.rate-limit.http.*}: the servlet filter. */
public class RateLimitHttpProperties {
  /**
   * The filter's default order: just before Spring Security's filter chain (-100), so that floods of
   * requests are limited before they are authenticated.
   */
  public static final int DEFAULT_ORDER = -110;

  /** Whether to limit HTTP requests with a servlet filter. */
  private boolean enabled = false;

  /** The path patterns (Spring's PathPattern syntax, within the context path) that the filter limits. */
  private List<String> paths = new ArrayList<>(List.of("/**"));

  /** The request header that names the client; a request without it is limited by its remote address. */
  private String keyHeader = "X-API-Key";

  /**
   * The filter's order: -110 runs it before Spring Security's chain (-100), limiting floods before
   * authentication; a value above -100 runs it after, for a key resolver that reads the signed-in user.
   */
  private int order = DEFAULT_ORDER;

  /**
   * Returns whether the filter is on.
   *
   * @return true if on
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Turns the filter on or off.
   *
   * @param enabled true to limit HTTP requests
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * Returns the limited path patterns.
   *
   * @return the patterns
   */
  public List<String> getPaths() {
    return paths;
  }

  /**
   * Sets the limited path patterns.
   *
   * @param paths one or more patterns, each starting with '/'
   * @throws IllegalArgumentException if the list is empty or a pattern does not start with '/'
   */
  public void setPaths(List<String> paths) {
    Objects.requireNonNull(paths, "switchboard.rate-limit.http.paths");
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("switchboard.rate-limit.http.paths must name at least one pattern");
    }
    for (int i = 0; i < paths.size(); i++) {
      String p = paths.get(i);
      if (p == null || !p.strip().startsWith("/")) {
        throw new IllegalArgumentException(
            "switchboard.rate-limit.http.paths[" + i + "] must start with '/', was '" + p + "'");
      }
    }
    this.paths = new ArrayList<>(paths);
  }

  /**
   * Returns the filter's order.
   *
   * @return the order
   */
  public int getOrder() {
    return order;
  }

  /**
   * Sets the filter's order.
   *
   * @param order the order among the servlet filters (lower runs first)
   */
  public void setOrder(int order) {
    this.order = order;
  }

  /**
   * Returns the key header.
   *
   * @return the header name
   */
  public String getKeyHeader() {
    return keyHeader;
  }

  /**
   * Sets the key header.
   *
   * @param keyHeader a non-blank header name
   * @throws IllegalArgumentException if blank
   */
  public void setKeyHeader(String keyHeader) {
    if (keyHeader == null || keyHeader.isBlank()) {
      throw new IllegalArgumentException("switchboard.rate-limit.http.key-header must not be blank");
    }
    this.keyHeader = keyHeader.strip();
  }
}
