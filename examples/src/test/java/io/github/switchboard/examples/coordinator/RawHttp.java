package io.github.switchboard.examples.coordinator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One raw HTTP/1.1 connection to a coordinator from a chosen loopback address (127.0.0.2 is loopback too
 * on Linux), for what an HTTP client library hides: partial requests, "100 Continue", HEAD, whether the
 * server closed the connection.
 */
final class RawHttp implements AutoCloseable {
  private static final Pattern LENGTH = Pattern.compile("(?i)\r\nContent-Length: *(\\d+)");

  private final Socket socket;
  private final InputStream in;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  RawHttp(String fromAddress, int port, Duration readTimeout) {
    try {
      socket = new Socket();
      socket.bind(new InetSocketAddress(InetAddress.getByName(fromAddress), 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) readTimeout.toMillis());
      socket.setSoTimeout((int) readTimeout.toMillis());
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  RawHttp(int port) {
    this("127.0.0.1", port, Duration.ofSeconds(10));
  }

  /** Sends the text as ISO-8859-1 bytes. */
  RawHttp send(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  /**
   * Reads one response: its head, then as many body bytes as its Content-Length says, unless {@code
   * head} (the answer to a HEAD has none). Throws if the connection closes or times out first.
   */
  String response(boolean head) throws IOException {
    String text = readUntil(t -> {
      int end = t.indexOf("\r\n\r\n");
      if (end < 0) {
        return -1;
      }
      Matcher m = LENGTH.matcher(t.substring(0, end));
      int body = head || !m.find() ? 0 : Integer.parseInt(m.group(1));
      return t.length() >= end + 4 + body ? end + 4 + body : -1;
    });
    if (text == null) {
      throw new IOException("the connection closed before a whole response; got: " + pending);
    }
    return text;
  }

  /** Reads one response with its body. */
  String response() throws IOException {
    return response(false);
  }

  /** Reads one informational head such as {@code 100 Continue} (a head without a body). */
  String interim() throws IOException {
    return response(true);
  }

  /**
   * Reads until the server closes the connection (or resets it) and returns what came before; throws
   * {@link SocketTimeoutException} if it stays open past the read timeout.
   */
  String untilClosed() throws IOException {
    byte[] b = new byte[8192];
    try {
      int n;
      while ((n = in.read(b)) >= 0) {
        pending.write(b, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      // reset by the server: closed too
    }
    String text = pending.toString(StandardCharsets.ISO_8859_1);
    pending.reset();
    return text;
  }

  /**
   * Whether nothing happens on the connection for the wait: no byte arrives (one that does is kept for
   * the next read) and the server does not close it.
   */
  boolean quietFor(Duration wait) throws IOException {
    if (pending.size() > 0) {
      return false;
    }
    int before = socket.getSoTimeout();
    socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
    try {
      int b = in.read();
      if (b >= 0) {
        pending.write(b);
      }
      return false;
    } catch (SocketTimeoutException e) {
      return true;
    } catch (IOException e) {
      return false; // reset
    } finally {
      socket.setSoTimeout(before);
    }
  }

  /** Sends the text; returns false if the server has closed or reset the connection. */
  boolean trySend(String text) {
    try {
      send(text);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private interface Complete {
    int end(String text);
  }

  private String readUntil(Complete complete) throws IOException {
    byte[] b = new byte[8192];
    while (true) {
      String text = pending.toString(StandardCharsets.ISO_8859_1);
      int end = complete.end(text);
      if (end >= 0) {
        pending.reset();
        pending.write(text.substring(end).getBytes(StandardCharsets.ISO_8859_1));
        return text.substring(0, end);
      }
      int n;
      try {
        n = in.read(b);
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        n = -1; // reset
      }
      if (n < 0) {
        return null;
      }
      pending.write(b, 0, n);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closed already
    }
  }
}
