package io.github.switchboard.core.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/*
 * A minimal blocking RESP2 client for the harness's own chores (PING for readiness, FLUSHALL, SCRIPT
 * FLUSH, INFO, CLUSTER INFO, SENTINEL ...). It is independent of Lettuce so that the harness never
 * depends on the code under test, and every call is bounded by a socket timeout.
 */
final class Resp implements Closeable {

  /** Where a node listens, how to log in and which database to SELECT (0: none). */
  record Endpoint(
      String host,
      int port,
      @Nullable SSLSocketFactory tls,
      @Nullable String user,
      @Nullable String password,
      int database) {
    Endpoint(
        String host,
        int port,
        @Nullable SSLSocketFactory tls,
        @Nullable String user,
        @Nullable String password) {
      this(host, port, tls, user, password, 0);
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** An error reply (-ERR ...). */
  static final class ErrorReply extends IOException {
    private static final long serialVersionUID = 1L;

    ErrorReply(String message) {
      super(message);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private Resp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static Resp open(Endpoint e, Duration timeout) throws IOException {
    int ms = (int) Math.max(1, timeout.toMillis());
    Socket s = e.tls() != null ? e.tls().createSocket() : new Socket();
    try {
      s.connect(new InetSocketAddress(e.host(), e.port()), ms);
      s.setSoTimeout(ms);
      s.setTcpNoDelay(true);
      if (s instanceof SSLSocket ssl) {
        ssl.startHandshake();
      }
      Resp r = new Resp(s);
      if (e.password() != null) {
        if (e.user() != null) {
          r.call("AUTH", e.user(), e.password());
        } else {
          r.call("AUTH", e.password());
        }
      }
      if (e.database() != 0) {
        r.call("SELECT", Integer.toString(e.database()));
      }
      return r;
    } catch (IOException | RuntimeException ex) {
      s.close();
      throw ex;
    }
  }

  /** Opens a connection, sends one command and closes. */
  static @Nullable Object call(Endpoint e, Duration timeout, String... args) throws IOException {
    try (Resp r = open(e, timeout)) {
      return r.call(args);
    }
  }

  /** Whether the node answers PING with PONG within the timeout. */
  static boolean ping(Endpoint e, Duration timeout) {
    try {
      return "PONG".equals(call(e, timeout, "PING"));
    } catch (IOException | RuntimeException ex) {
      return false;
    }
  }

  /** Parses the text of INFO (or CLUSTER INFO) into key/value pairs. */
  static Map<String, String> parseInfo(@Nullable Object reply) {
    Map<String, String> m = new LinkedHashMap<>();
    if (reply == null) {
      return m;
    }
    for (String line : reply.toString().split("\r?\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        m.put(line.substring(0, colon), line.substring(colon + 1).strip());
      }
    }
    return m;
  }

  /** Turns a flat [k1, v1, k2, v2...] reply into a map. */
  static Map<String, String> pairs(@Nullable Object reply) {
    Map<String, String> m = new LinkedHashMap<>();
    if (reply instanceof List<?> list) {
      for (int i = 0; i + 1 < list.size(); i += 2) {
        m.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
      }
    }
    return m;
  }

  @Nullable
  Object call(String... args) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String a : args) {
      byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
      b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.writeBytes(bytes);
      b.writeBytes(new byte[] {'\r', '\n'});
    }
    out.write(b.toByteArray());
    out.flush();
    return read();
  }

  private @Nullable Object read() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed by the server");
    }
    String line = line();
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new ErrorReply(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] data = in.readNBytes(len + 2);
        if (data.length < len + 2) {
          throw new EOFException("truncated bulk reply");
        }
        return new String(data, 0, len, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<@Nullable Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          try {
            list.add(read());
          } catch (ErrorReply e) {
            list.add(e);
          }
        }
        return list;
      }
      default:
        throw new IOException("unexpected RESP type '" + (char) type + "'");
    }
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection closed by the server");
      }
      if (c == '\r') {
        int n = in.read();
        if (n != '\n') {
          throw new IOException("malformed RESP line");
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
