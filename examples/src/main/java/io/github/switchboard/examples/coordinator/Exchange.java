package io.github.switchboard.examples.coordinator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP exchange as {@link ApiHandler} sees it: the request's method, path, headers and body (read in
 * full, without a thread, before the handler runs: see {@link HttpServerFactory}), and a response written
 * in one call: blocking ({@link #respond}) or not ({@link #respondLater}, for an answer that completes on
 * another thread).
 */
final class Exchange {
  private static final byte[] EMPTY = new byte[0];

  private final Request request;
  private final Response response;
  private final byte @Nullable [] body;
  private final Http.@Nullable BodyRefused refused;
  private volatile boolean sent;

  Exchange(Request request, Response response, byte @Nullable [] body, Http.@Nullable BodyRefused refused) {
    this.request = request;
    this.response = response;
    this.body = body;
    this.refused = refused;
  }

  String method() {
    return request.getMethod();
  }

  /** The decoded path, never null. */
  String path() {
    HttpURI uri = request.getHttpURI();
    String p = uri == null ? null : uri.getDecodedPath();
    return p == null ? "" : p;
  }

  /** The path as sent (still percent-encoded), for problem {@code instance} members. */
  String rawPath() {
    HttpURI uri = request.getHttpURI();
    String p = uri == null ? null : uri.getPath();
    return p == null ? "" : p;
  }

  /** The client's IP address as the connection shows it (never a forwarded header). */
  String clientAddress() {
    return Request.getRemoteAddr(request);
  }

  /** The first value of a request header, or null. */
  @Nullable String header(String name) {
    return request.getHeaders().get(name);
  }

  /** Sets a response header (before {@link #respond}). */
  void setHeader(String name, String value) {
    response.getHeaders().put(name, value);
  }

  /** Returns the body, read in full, as UTF-8 text; throws if it was too large or did not arrive. */
  String body() throws Http.BodyRefused {
    return new String(bodyBytes(), StandardCharsets.UTF_8);
  }

  /** Returns the body as it arrived (not a copy: do not change it); throws as {@link #body()}. */
  byte[] bodyBytes() throws Http.BodyRefused {
    if (refused != null) {
      throw refused;
    }
    return body == null ? EMPTY : body;
  }

  /** Whether an answer was sent (or started). */
  boolean responded() {
    return sent || response.isCommitted();
  }

  /**
   * Sends the whole answer and waits until it is written.
   *
   * @param status the status
   * @param contentType the content type, or null for an empty body
   * @param text the body ({@code ""} for none)
   */
  void respond(int status, @Nullable String contentType, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try (Blocker.Callback done = Blocker.callback()) {
      write(status, contentType, bytes, done);
      done.block();
    }
  }

  /**
   * Sends the whole answer without waiting, from any thread.
   *
   * @param status the status
   * @param contentType the content type, or null for an empty body
   * @param bytes the body (empty for none)
   * @return completes when the answer is written, or with the failure to write it
   */
  CompletableFuture<Void> respondLater(int status, @Nullable String contentType, byte[] bytes) {
    Callback.Completable done = new Callback.Completable();
    write(status, contentType, bytes, done);
    return done;
  }

  private void write(int status, @Nullable String contentType, byte[] bytes, Callback done) {
    sent = true;
    response.setStatus(status);
    if (contentType != null && bytes.length > 0) {
      response.getHeaders().put("Content-Type", contentType);
      response.getHeaders().put("Cache-Control", "no-store");
    }
    response.getHeaders().put("Content-Length", String.valueOf(bytes.length));
    response.write(true, ByteBuffer.wrap(bytes), done);
  }
}
