package io.github.switchboard.examples.coordinator;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/*
 * How a node's answer is kept in the cache, which holds strings: one header line, then the body.
 *
 *   v1 text <Content-Type>\n<the body, which was valid UTF-8>
 *   v1 base64 <Content-Type>\n<the body in Base64 (RFC 4648, with padding)>
 *
 * A body that is valid UTF-8 (strictly: no malformed or overlong sequence, no encoded surrogate) is kept
 * as the text it is, so the round trip gives back the same bytes and a text answer costs no more than
 * its size in Redis (the cache compresses large values). Any other body (an image, a protobuf, Latin-1
 * text) is kept in Base64, a third larger; so every answer is cacheable and comes back byte for byte
 * with its Content-Type. The Content-Type cannot hold a line break (HTTP field values never do), so the
 * first line always ends where it should. A value that does not parse is unreadable (null): the handler
 * drops it from the cache and asks a node again.
 */
/** A decoder node's answer: its Content-Type and body, and their encoding as a cache value. */
record NodeAnswer(String contentType, byte[] body) {
  /** The Content-Type of an answer that has none. */
  static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

  private static final String TEXT = "v1 text ";
  private static final String BASE64 = "v1 base64 ";

  /** The cache value: the header line and the body, as above. */
  String encode() {
    String text = utf8(body);
    return text != null ? TEXT + contentType + "\n" + text
        : BASE64 + contentType + "\n" + Base64.getEncoder().encodeToString(body);
  }

  /**
   * Reads a cache value written by {@link #encode()}.
   *
   * @return the answer, or null if the value is not one
   */
  static @Nullable NodeAnswer decode(String value) {
    int eol = value.indexOf('\n');
    if (eol < 0) {
      return null;
    }
    String header = value.substring(0, eol);
    String rest = value.substring(eol + 1);
    if (header.startsWith(TEXT) && header.length() > TEXT.length()) {
      return new NodeAnswer(header.substring(TEXT.length()), rest.getBytes(StandardCharsets.UTF_8));
    }
    if (header.startsWith(BASE64) && header.length() > BASE64.length()) {
      try {
        return new NodeAnswer(header.substring(BASE64.length()), Base64.getDecoder().decode(rest));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  /** The body as text if it is valid UTF-8, else null. */
  private static @Nullable String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
