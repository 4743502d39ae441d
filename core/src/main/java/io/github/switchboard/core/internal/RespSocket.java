package io.github.switchboard.core.internal;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/*
 * One blocking RESP2 connection, lent to one thread at a time by BlockingRedis: the caller's thread writes
 * the command and reads the reply itself, with no I/O thread between it and Redis (two hand-offs a round
 * trip instead of four). Not thread-safe.
 *
 * Parser limits (a reply comes from the network): an array of at most MAX_ARRAY elements, nested at most
 * MAX_DEPTH deep, a bulk string of at most MAX_BULK bytes, a simple line of at most MAX_LINE bytes. A reply
 * past a limit fails the call, naming the limit, and the socket is closed (the stream cannot be trusted).
 */
/** A blocking RESP2 connection to one Redis server. */
final class RespSocket implements Closeable {
  /** The most elements of one reply array. */
  static final int MAX_ARRAY = 65_536;
  /** The most bytes of one bulk string. */
  static final int MAX_BULK = 1 << 20;
  /** The most bytes of a simple string, error or integer line. */
  static final int MAX_LINE = 8_192;
  /** The deepest nesting of arrays. */
  static final int MAX_DEPTH = 8;

  /** An error reply of Redis ({@code -ERR ...}); the connection stays usable. */
  static final class ErrorReply extends Exception {
    private static final long serialVersionUID = 1L;

    ErrorReply(String message) {
      super(message, null, false, false);
    }
  }

  /** The reply broke a parser limit or the protocol; the connection is closed. */
  static final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
      super(message);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final int timeoutMillis;
  private byte[] wbuf = new byte[512];
  private int wlen;
  private final byte[] rbuf = new byte[8_192];
  private int rpos;
  private int rlen;
  private long deadlineNanos;
  private boolean firstRead;
  private int soTimeout;
  private @Nullable ErrorReply error;
  private boolean broken;
  /** When the pool last took this connection back (System.nanoTime). */
  long idleSince;

  private RespSocket(Socket socket, int timeoutMillis) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.timeoutMillis = timeoutMillis;
    this.soTimeout = timeoutMillis;
  }

  /**
   * Connects, with TLS when a factory is given, and sends AUTH and SELECT as needed.
   *
   * @param host the server's host
   * @param port the server's port
   * @param tls the TLS socket factory, or null for plain TCP
   * @param verifyHost whether TLS checks the host name against the certificate
   * @param connectTimeoutMillis the connect (and handshake) timeout
   * @param timeoutMillis the timeout of one command
   * @param username the ACL user, or null
   * @param password the password, or null for none
   * @param database the database to select (0: none sent)
   * @return the connection
   * @throws IOException if it cannot connect, or the server refuses AUTH or SELECT
   */
  static RespSocket connect(
      String host,
      int port,
      @Nullable SSLSocketFactory tls,
      boolean verifyHost,
      int connectTimeoutMillis,
      int timeoutMillis,
      @Nullable String username,
      char @Nullable [] password,
      int database)
      throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setKeepAlive(true);
      s.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
      s.setSoTimeout(connectTimeoutMillis);
      if (tls != null) {
        SSLSocket ssl = (SSLSocket) tls.createSocket(s, host, port, true);
        if (verifyHost) {
          SSLParameters p = ssl.getSSLParameters();
          p.setEndpointIdentificationAlgorithm("HTTPS");
          ssl.setSSLParameters(p);
        }
        ssl.startHandshake();
        s = ssl;
      }
      RespSocket r = new RespSocket(s, timeoutMillis);
      try {
        if (password != null) {
          String pw = new String(password);
          r.command(username != null ? new String[] {"AUTH", username, pw} : new String[] {"AUTH", pw});
        }
        if (database != 0) {
          r.command("SELECT", Integer.toString(database));
        }
      } catch (ErrorReply e) {
        throw new IOException("Redis refused the connection's set-up: " + e.getMessage());
      }
      s.setSoTimeout(timeoutMillis);
      return r;
    } catch (IOException | RuntimeException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing a socket that failed to open
      }
      throw e;
    }
  }

  /**
   * Sends one command and reads its reply.
   *
   * @param command the command and its arguments
   * @return the reply: Long, String, null or a List of those
   * @throws IOException if the connection fails, times out or the reply breaks a limit (then it is closed)
   * @throws ErrorReply if Redis answers with an error (the connection stays usable)
   */
  @Nullable Object command(String... command) throws IOException, ErrorReply {
    begin(command.length);
    for (String part : command) {
      bulk(part);
    }
    return call();
  }

  /**
   * Sends {@code EVALSHA sha numkeys keys... args...} (or {@code EVAL source ...}) and reads the reply.
   *
   * @param verb {@code "EVALSHA"} or {@code "EVAL"}
   * @param shaOrSource the SHA-1 or the source
   * @param keys the keys
   * @param args the arguments
   * @return the reply: Long, String, null or a List of those
   * @throws IOException if the connection fails, times out or the reply breaks a limit (then it is closed)
   * @throws ErrorReply if Redis answers with an error (the connection stays usable)
   */
  @Nullable Object eval(String verb, String shaOrSource, String[] keys, String[] args)
      throws IOException, ErrorReply {
    begin(3 + keys.length + args.length);
    bulk(verb);
    bulk(shaOrSource);
    bulk(Integer.toString(keys.length));
    for (String k : keys) {
      bulk(k);
    }
    for (String a : args) {
      bulk(a);
    }
    return call();
  }

  private @Nullable Object call() throws IOException, ErrorReply {
    if (broken) {
      throw new IOException("the connection is closed");
    }
    deadlineNanos = System.nanoTime() + timeoutMillis * 1_000_000L;
    try {
      rpos = 0;
      rlen = 0;
      firstRead = true;
      error = null;
      out.write(wbuf, 0, wlen);
      out.flush();
      Object reply = read(0);
      ErrorReply e = error;
      if (e != null) {
        error = null;
        throw e;
      }
      return reply;
    } catch (IOException | RuntimeException e) {
      broken = true;
      close();
      throw e;
    }
  }

  /** Whether a failure has closed this connection; a broken one is never lent again. */
  boolean isBroken() {
    return broken;
  }

  // ---- writing ----

  private void begin(int parts) {
    wlen = 0;
    put((byte) '*');
    number(parts);
  }

  private void bulk(String s) {
    int n = s.length();
    boolean ascii = true;
    for (int i = 0; i < n && ascii; i++) {
      ascii = s.charAt(i) < 0x80;
    }
    if (ascii) {
      put((byte) '$');
      number(n);
      ensure(n + 2);
      for (int i = 0; i < n; i++) {
        wbuf[wlen++] = (byte) s.charAt(i);
      }
    } else {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      put((byte) '$');
      number(b.length);
      ensure(b.length + 2);
      System.arraycopy(b, 0, wbuf, wlen, b.length);
      wlen += b.length;
    }
    wbuf[wlen++] = '\r';
    wbuf[wlen++] = '\n';
  }

  private void number(long v) {
    ensure(22);
    if (v == 0) {
      wbuf[wlen++] = '0';
    } else {
      int start = wlen;
      long x = v;
      while (x > 0) {
        wbuf[wlen++] = (byte) ('0' + (x % 10));
        x /= 10;
      }
      for (int i = start, j = wlen - 1; i < j; i++, j--) {
        byte t = wbuf[i];
        wbuf[i] = wbuf[j];
        wbuf[j] = t;
      }
    }
    wbuf[wlen++] = '\r';
    wbuf[wlen++] = '\n';
  }

  private void put(byte b) {
    ensure(1);
    wbuf[wlen++] = b;
  }

  private void ensure(int more) {
    if (wlen + more > wbuf.length) {
      byte[] bigger = new byte[Math.max(wbuf.length * 2, wlen + more)];
      System.arraycopy(wbuf, 0, bigger, 0, wlen);
      wbuf = bigger;
    }
  }

  // ---- reading ----

  private @Nullable Object read(int depth) throws IOException {
    byte type = next();
    switch (type) {
      case ':' -> {
        return integer();
      }
      case '$' -> {
        long n = integer();
        if (n < 0) {
          return null;
        }
        if (n > MAX_BULK) {
          throw new ProtocolException(
              "a bulk string of " + n + " bytes exceeds MAX_BULK (" + MAX_BULK + ")");
        }
        byte[] b = new byte[(int) n];
        for (int i = 0; i < n; ) {
          if (rpos == rlen) {
            fill();
          }
          int c = Math.min(rlen - rpos, (int) n - i);
          System.arraycopy(rbuf, rpos, b, i, c);
          rpos += c;
          i += c;
        }
        expect('\r');
        expect('\n');
        return new String(b, StandardCharsets.UTF_8);
      }
      case '*' -> {
        long n = integer();
        if (n < 0) {
          return null;
        }
        if (n > MAX_ARRAY) {
          throw new ProtocolException(
              "an array of " + n + " elements exceeds MAX_ARRAY (" + MAX_ARRAY + ")");
        }
        if (depth >= MAX_DEPTH) {
          throw new ProtocolException("arrays nested deeper than MAX_DEPTH (" + MAX_DEPTH + ")");
        }
        List<Object> list = new ArrayList<>((int) n);
        for (int i = 0; i < n; i++) {
          list.add(read(depth + 1));
        }
        return list;
      }
      case '+' -> {
        return line();
      }
      case '-' -> {
        String message = line();
        if (error == null) {
          error = new ErrorReply(message);
        }
        return null;
      }
      default -> throw new ProtocolException("unexpected reply type byte " + (type & 0xff));
    }
  }

  private long integer() throws IOException {
    boolean negative = false;
    long v = 0;
    int digits = 0;
    byte b = next();
    if (b == '-') {
      negative = true;
      b = next();
    }
    while (b != '\r') {
      if (b < '0' || b > '9' || ++digits > 19) {
        throw new ProtocolException("malformed integer in a reply");
      }
      v = v * 10 + (b - '0');
      b = next();
    }
    expect('\n');
    if (digits == 0) {
      throw new ProtocolException("malformed integer in a reply");
    }
    return negative ? -v : v;
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    byte b = next();
    while (b != '\r') {
      if (sb.length() >= MAX_LINE) {
        throw new ProtocolException("a reply line exceeds MAX_LINE (" + MAX_LINE + " bytes)");
      }
      sb.append((char) (b & 0xff));
      b = next();
    }
    expect('\n');
    return sb.toString();
  }

  private void expect(char c) throws IOException {
    if (next() != c) {
      throw new ProtocolException("malformed reply: expected " + (c == '\r' ? "CR" : "LF"));
    }
  }

  private byte next() throws IOException {
    if (rpos == rlen) {
      fill();
    }
    return rbuf[rpos++];
  }

  private void fill() throws IOException {
    // the first read of a call waits the command timeout; a reply longer than one read gets what is left
    // of it, so that the whole call stays within one command timeout
    int wait = timeoutMillis;
    if (!firstRead) {
      long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        throw new SocketTimeoutException("no whole reply within the command timeout");
      }
      wait = (int) Math.min(left, timeoutMillis);
    }
    firstRead = false;
    if (wait != soTimeout) {
      socket.setSoTimeout(wait);
      soTimeout = wait;
    }
    int n = in.read(rbuf, 0, rbuf.length);
    if (n < 0) {
      throw new EOFException("Redis closed the connection");
    }
    rpos = 0;
    rlen = n;
  }

  @Override
  public void close() {
    broken = true;
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to do: the socket is gone either way
    }
  }
}
