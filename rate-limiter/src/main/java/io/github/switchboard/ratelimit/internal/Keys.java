package io.github.switchboard.ratelimit.internal;

import io.github.switchboard.ratelimit.Algorithm;
import io.github.switchboard.ratelimit.RateLimitPolicy;
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
    String k = checkKeyShape(key);
    checkKeyText(k);
    return k;
  }

  /**
   * The checks of a key that cost nothing: not null, not empty, at most 1024 chars. A key that passes
   * these and was accepted before (it is in a limiter's map) needs no further check.
   *
   * @return the key, not null
   */
  static String checkKeyShape(@Nullable String key) {
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
    return key;
  }

  /**
   * The rest of {@link #checkKey}, for a key that passed {@link #checkKeyShape}: no unpaired surrogate, at
   * most 1024 UTF-8 bytes.
   *
   * @return the key's length in UTF-8 bytes
   */
  static int checkKeyText(String key) {
    long bytes = utf8Length(key);
    if (bytes < 0) {
      throw new IllegalArgumentException(
          "key must be valid Unicode text, has an unpaired surrogate at index " + (-bytes - 1));
    }
    if (bytes > RateLimiter.MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key must be at most " + RateLimiter.MAX_KEY_BYTES + " UTF-8 bytes, was " + bytes);
    }
    return (int) bytes;
  }

  /**
   * Returns the most permits one call may ask under a policy: its smallest count, and at most {@link
   * RateLimiter#MAX_LOG_PERMITS} with a sliding-window log (one entry per permit).
   *
   * @param policy the policy
   * @return the bound that {@link #checkPermits} enforces
   */
  public static long maxPermits(RateLimitPolicy policy) {
    long smallest = policy.smallestCount();
    return policy.algorithm() == Algorithm.SLIDING_WINDOW_LOG
        ? Math.min(smallest, RateLimiter.MAX_LOG_PERMITS)
        : smallest;
  }

  /**
   * Checks a number of permits against the bound of a policy.
   *
   * @param permits the permits
   * @param maxPermits the bound, from {@link #maxPermits}
   * @throws IllegalArgumentException if out of range, naming the bound
   */
  public static void checkPermits(long permits, long maxPermits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1, was " + permits);
    }
    if (permits > maxPermits) {
      throw new IllegalArgumentException(
          maxPermits == RateLimiter.MAX_LOG_PERMITS
              ? "permits must not exceed RateLimiter.MAX_LOG_PERMITS ("
                  + maxPermits
                  + ") in one call of a SLIDING_WINDOW_LOG limiter (one log entry per permit), was "
                  + permits
              : "permits must not exceed the smallest limit's count (" + maxPermits + "), was " + permits);
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

  private static final byte[] B64URL =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(StandardCharsets.ISO_8859_1);

  /**
   * Whether every char of a string is Latin-1, so that {@link #stateKey} can take it as bytes.
   *
   * @param s the string
   * @return true if every char is below 256
   */
  static boolean isLatin1(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0xFF) {
        return false;
      }
    }
    return true;
  }

  /*
   * prefix + "{" + hashtag(key) + "}" + suffix, with the checks of checkKey (same errors, same order), in
   * one pass over the key to count (and check) its UTF-8 bytes and one to encode them straight into the
   * key's bytes: one scratch array and the String, where hashtag plus a concatenation makes five arrays.
   * The prefix and suffix are Latin-1 bytes (callers with other chars use the concatenation).
   */
  /**
   * Checks a client key and builds its Redis state key, {@code prefix + "{" + hashtag(key) + "}" +
   * suffix}.
   *
   * @param prefix the key prefix as Latin-1 bytes
   * @param clientKey the client key, not yet checked
   * @param suffix the suffix as Latin-1 bytes
   * @return the state key
   * @throws IllegalArgumentException as {@link #checkKey} does
   */
  static String stateKey(byte[] prefix, @Nullable String clientKey, byte[] suffix) {
    String key = checkKeyShape(clientKey);
    int n = checkKeyText(key);
    int encoded = (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
    byte[] out = new byte[prefix.length + encoded + 2 + suffix.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    int o = prefix.length;
    out[o++] = '{';
    if (n == key.length()) { // all ASCII: the chars are the UTF-8 bytes
      int i = 0;
      for (; i + 3 <= n; i += 3) {
        int v = key.charAt(i) << 16 | key.charAt(i + 1) << 8 | key.charAt(i + 2);
        out[o++] = B64URL[v >>> 18];
        out[o++] = B64URL[(v >>> 12) & 63];
        out[o++] = B64URL[(v >>> 6) & 63];
        out[o++] = B64URL[v & 63];
      }
      o = tail(out, o, n - i, n - i > 0 ? key.charAt(i) : 0, n - i > 1 ? key.charAt(i + 1) : 0);
    } else {
      byte[] utf8 = key.getBytes(StandardCharsets.UTF_8); // valid: no unpaired surrogate
      int i = 0;
      for (; i + 3 <= n; i += 3) {
        int v = (utf8[i] & 0xFF) << 16 | (utf8[i + 1] & 0xFF) << 8 | (utf8[i + 2] & 0xFF);
        out[o++] = B64URL[v >>> 18];
        out[o++] = B64URL[(v >>> 12) & 63];
        out[o++] = B64URL[(v >>> 6) & 63];
        out[o++] = B64URL[v & 63];
      }
      o = tail(out, o, n - i, n - i > 0 ? utf8[i] & 0xFF : 0, n - i > 1 ? utf8[i + 1] & 0xFF : 0);
    }
    out[o++] = '}';
    System.arraycopy(suffix, 0, out, o, suffix.length);
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  /** Encodes the last 1 or 2 bytes (unpadded); returns the new offset. */
  private static int tail(byte[] out, int o, int left, int b0, int b1) {
    if (left == 1) {
      out[o++] = B64URL[b0 >>> 2];
      out[o++] = B64URL[(b0 & 3) << 4];
    } else if (left == 2) {
      int v = b0 << 8 | b1;
      out[o++] = B64URL[v >>> 10];
      out[o++] = B64URL[(v >>> 4) & 63];
      out[o++] = B64URL[(v & 15) << 2];
    }
    return o;
  }
}
