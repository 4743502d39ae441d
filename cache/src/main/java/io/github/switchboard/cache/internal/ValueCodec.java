package io.github.switchboard.cache.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/*
 * How a value is kept in Redis: a marker, the value's UTF-8 length, then the value.
 *
 *   sb1:t:<length>:<text>            below the compression threshold
 *   sb1:z:<length>:<base64(DEFLATE(utf-8))>
 *
 * The length is checked on reading, so a truncated, foreign or tampered value is detected (and treated
 * as a miss) instead of being served. Base64 because the connections use a UTF-8 string codec: a
 * compressed value is not text. Inflating is bounded by the length in the header and by maxValueBytes,
 * so a value in Redis cannot make a reader allocate more than a value it would cache.
 */
/** Encodes values for Redis and decodes them with limits. */
public final class ValueCodec {
  private static final String PLAIN = "sb1:t:";
  private static final String DEFLATED = "sb1:z:";

  private final int compressionThreshold;
  private final int maxValueBytes;

  /**
   * Creates a codec.
   *
   * @param compressionThreshold the UTF-8 size from which values are compressed
   * @param maxValueBytes the largest value accepted when reading
   */
  public ValueCodec(int compressionThreshold, int maxValueBytes) {
    this.compressionThreshold = compressionThreshold;
    this.maxValueBytes = maxValueBytes;
  }

  /** A value in Redis that cannot be read. */
  public static final class CorruptValueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CorruptValueException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Returns the UTF-8 length of a string, without encoding it.
   *
   * @param s the string
   * @return its UTF-8 length in bytes
   */
  public static int utf8Length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 2; // 4 bytes for 2 chars
          i++;
        } else if (Character.isSurrogate(c)) {
          // a lone surrogate: String.getBytes(UTF_8) writes '?', one byte
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }

  /**
   * Encodes a value.
   *
   * @param value the value
   * @param utf8Length its UTF-8 length
   * @return what to store
   */
  public String encode(String value, int utf8Length) {
    if (utf8Length < compressionThreshold) {
      return PLAIN + utf8Length + ':' + value;
    }
    byte[] raw = value.getBytes(StandardCharsets.UTF_8);
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try {
      deflater.setInput(raw);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length / 3));
      byte[] buf = new byte[8192];
      while (!deflater.finished()) {
        int n = deflater.deflate(buf);
        out.write(buf, 0, n);
      }
      byte[] packed = out.toByteArray();
      if (packed.length * 4L / 3 + 16 >= raw.length) {
        return PLAIN + utf8Length + ':' + value; // incompressible: keep it as text
      }
      return DEFLATED + raw.length + ':' + Base64.getEncoder().encodeToString(packed);
    } finally {
      deflater.end();
    }
  }

  /**
   * Decodes a stored value.
   *
   * @param stored what Redis holds
   * @return the value
   * @throws CorruptValueException if it is not a value this codec wrote, or breaks a limit
   */
  public String decode(@Nullable String stored) {
    if (stored == null) {
      throw new CorruptValueException("no value");
    }
    boolean plain = stored.startsWith(PLAIN);
    if (!plain && !stored.startsWith(DEFLATED)) {
      throw new CorruptValueException("unknown format (no sb1 marker)");
    }
    int colon = stored.indexOf(':', PLAIN.length());
    if (colon < 0 || colon - PLAIN.length() > 10 || colon == PLAIN.length()) {
      throw new CorruptValueException("no length");
    }
    long length;
    try {
      length = Long.parseLong(stored, PLAIN.length(), colon, 10);
    } catch (NumberFormatException e) {
      throw new CorruptValueException("bad length");
    }
    if (length < 0 || length > maxValueBytes) {
      throw new CorruptValueException("length " + length + " outside 0.." + maxValueBytes);
    }
    if (plain) {
      String text = stored.substring(colon + 1);
      if (utf8Length(text) != length) {
        throw new CorruptValueException("length mismatch (truncated or altered)");
      }
      return text;
    }
    byte[] packed;
    try {
      packed = Base64.getDecoder().decode(stored.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw new CorruptValueException("bad base64");
    }
    byte[] raw = new byte[(int) length];
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(packed);
      int n = 0;
      while (n < raw.length && !inflater.finished()) {
        int got = inflater.inflate(raw, n, raw.length - n);
        if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += got;
      }
      if (n != raw.length || !inflater.finished()) {
        throw new CorruptValueException("compressed data does not match its length");
      }
    } catch (DataFormatException e) {
      throw new CorruptValueException("bad compressed data");
    } finally {
      inflater.end();
    }
    return new String(raw, StandardCharsets.UTF_8);
  }
}
