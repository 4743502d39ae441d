package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.RateLimiter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/** Checks of keys and permits, and the hash tag of a key. */
public final class Keys {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Keys() {}

  /**
   * Checks a client key.
   *
   * @param key the key
   * @return the key
   * @throws IllegalArgumentException if the key is null, empty, over 1024 UTF-8 bytes or holds an unpaired
   *     surrogate
   */
  public static String checkKey(@Nullable String key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (key.length() > RateLimiter.MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key must be at most " + RateLimiter.MAX_KEY_BYTES + " UTF-8 bytes, was at least " + key.length());
    }
    long bytes = utf8Length(key);
    if (bytes < 0) {
      throw new IllegalArgumentException(
          "key must be valid Unicode text, has an unpaired surrogate at index " + (-bytes - 1));
    }
    if (bytes > RateLimiter.MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key must be at most " + RateLimiter.MAX_KEY_BYTES + " UTF-8 bytes, was " + bytes);
    }
    return key;
  }

  /**
   * Checks a number of permits against the smallest count of a policy.
   *
   * @param permits the permits
   * @param smallestCount the policy's smallest count
   * @throws IllegalArgumentException if out of range
   */
  public static void checkPermits(long permits, long smallestCount) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1, was " + permits);
    }
    if (permits > smallestCount) {
      throw new IllegalArgumentException(
          "permits must not exceed the smallest limit's count (" + smallestCount + "), was " + permits);
    }
  }

  /**
   * Counts the UTF-8 bytes of a string without allocating; returns {@code -(index + 1)} of the first
   * unpaired surrogate (which UTF-8 cannot encode, so two such keys could collide).
   */
  static long utf8Length(String s) {
    long n = 0;
    int len = s.length();
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
          n += 4;
          i++;
        } else {
          return -(i + 1L);
        }
      } else {
        n += 3;
      }
    }
    return n;
  }

  /**
   * Returns the Cluster hash tag of a key: the unpadded base64url encoding (RFC 4648 §5) of its UTF-8
   * bytes. It uses only {@code A-Z a-z 0-9 - _}, so it never contains a brace or a colon, and it is
   * injective: two different keys never share a tag.
   *
   * @param key the client key
   * @return the tag, without braces
   */
  public static String hashtag(String key) {
    return B64.encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }
}
