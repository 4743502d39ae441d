package io.github.switchboard.examples.coordinator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP exchange as {@link ApiHandler} sees it: the request's method, path, headers and body (read in
 * full, without a thread, before the handler runs: see {@link HttpServerFactory}), and a response written
 * in one blocking call.
 */
final class Exchange {
  private final Request request;
  private final Response response;
  private final @Nullable String body;
  private final Http.@Nullable BodyRefused refused;
  private boolean sent;

  Exchange(Request request, Response response, @Nullable String body, Http.@Nullable BodyRefused refused) {
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

  /** The first value of a request header, or null. */
  @Nullable String header(String name) {
    return request.getHeaders().get(name);
  }

  /** Sets a response header (before {@link #respond}). */
  void setHeader(String name, String value) {
    response.getHeaders().put(name, value);
  }

  /** Returns the body, read in full; throws if it was too large or did not arrive. */
  String body() throws Http.BodyRefused {
    if (refused != null) {
      throw refused;
    }
    return body == null ? "" : body;
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
    sent = true;
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    if (contentType != null && bytes.length > 0) {
      response.getHeaders().put("Content-Type", contentType);
      response.getHeaders().put("Cache-Control", "no-store");
    }
    response.getHeaders().put("Content-Length", String.valueOf(bytes.length));
    try (Blocker.Callback done = Blocker.callback()) {
      response.write(true, ByteBuffer.wrap(bytes), done);
      done.block();
    }
  }
}
