package io.github.switchboard.examples.coordinator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/*
 * The coordinator's HTTP server: Jetty 12 (core API, no servlets), set up to face the internet
 * (examples/README.md, "The HTTP server").
 *
 * - Request lines, headers and bodies are read without a thread: Jetty parses headers on its selector, and
 *   the body is read here with demand callbacks (BodyReader) before the API handler runs on a worker. A
 *   client that sends half a request holds a connection and a buffer, never a worker, and only for a
 *   while: its headers must arrive within HTTP_HEADER_TIMEOUT_SECONDS (ConnectionGuard closes the
 *   connection), its body at HTTP_MIN_BODY_BYTES_PER_SECOND on average (BodyReader answers 408), and a
 *   connection that sends nothing is closed after the idle timeout (mid-body: 408).
 * - Workers: a fixed pool of `threads` plus the acceptor and the selector. Connections are bounded
 *   (HTTP_MAX_CONNECTIONS: past it, Jetty stops accepting; HTTP_MAX_CONNECTIONS_PER_ADDRESS from one client
 *   address: past it, ConnectionGuard closes the new one at once), and an HTTP/1.1 connection has one
 *   request in flight, so the work waiting for a worker is bounded by the connections. The queue itself is
 *   Jetty's default (unbounded): Jetty's own tasks go through it too, and it warns against a bounded one.
 * - TCP_NODELAY on every accepted connection (Jetty's default, set explicitly), so an answer is never held
 *   back by Nagle's algorithm waiting for the client's delayed ACK.
 * - Request headers at most 16 KiB (431), bodies at most maxBodyBytes (413), or DECODE_MAX_BYTES on
 *   POST /api/v1/decode: the rest of a too-large body is dropped (up to DRAIN_LIMIT) so that the client
 *   reads the 413. A declared Content-Length over the limit is answered at once, before any of the body
 *   is read, and the connection closed, when it is above DRAIN_LIMIT or the client waits for
 *   "Expect: 100-continue" (Jetty sends the 100 only when the body is first read, so such a client never
 *   sends it). Before the size, such a request's credentials are checked (ContinueCheck): a 401 comes
 *   before any 100.
 * - CONNECT and transfer codings other than chunked are refused with 501; HEAD is served as GET without
 *   the body (RequestRules).
 * - The API handler answers most routes before it returns; the decode answers later from another thread
 *   (ApiHandler.handle's stage), and the request completes when that answer is written.
 * - Every error Jetty itself produces (a malformed request line, a bad header, an ambiguous URI, 431, a
 *   rejected method) is an RFC 9457 application/problem+json document, like the API's own errors, and
 *   closes the connection. None is logged: Refusals counts them, with the connections ConnectionGuard
 *   closes and the bodies answered 408, and logs one summary a minute at most (the duplicate-Host WARN of
 *   Jetty's HttpParser is turned off in logback.xml).
 */
final class HttpServerFactory {
  /**
   * The most bytes of a too-large body read and dropped before answering 413, so that a client still
   * sending gets the answer rather than a reset connection; past it, the answer comes at once and the
   * connection closes.
   */
  static final long DRAIN_LIMIT = 1024 * 1024;
  /** The largest request line plus headers. */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  private HttpServerFactory() {}

  /** Creates the server (not started) for the handler, on the configured host and port. */
  static Server create(CoordinatorConfig config, ApiHandler api) {
    // the acceptor and the selector each hold a thread of the pool: the workers are the rest
    int threads = config.threads() + 2;
    QueuedThreadPool pool = new QueuedThreadPool(threads, threads, 60_000);
    pool.setReservedThreads(0);
    pool.setName("coordinator-http");
    Server server = new Server(pool);
    HttpLimits limits = config.http();
    Refusals refusals = new Refusals(limits);

    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.addCustomizer(new RequestRules());
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(config.host());
    connector.setPort(config.port());
    connector.setIdleTimeout(config.idleTimeout().toMillis());
    connector.setAcceptedTcpNoDelay(true);
    connector.setAcceptQueueSize(128);
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
    ConnectionGuard guard = new ConnectionGuard(limits, refusals, server.getScheduler());
    connector.addBean(guard);

    server.setErrorHandler(new ProblemErrorHandler(refusals));
    server.setHandler(new Adapter(api, config, refusals));
    server.setStopTimeout(0); // Coordinator.close() has already let the requests in progress finish
    return server;
  }

  /** Reads the body without a thread, then runs the API handler on the worker that delivered its end. */
  private static final class Adapter extends Handler.Abstract {
    private final ApiHandler api;
    private final int maxBodyBytes;
    private final int decodeMaxBytes;
    private final long idleSeconds;
    private final HttpLimits limits;
    private final Refusals refusals;
    private final ContinueCheck continueCheck;

    Adapter(ApiHandler api, CoordinatorConfig config, Refusals refusals) {
      this.api = api;
      this.maxBodyBytes = config.maxBodyBytes();
      this.decodeMaxBytes = config.decode().maxBytes();
      this.idleSeconds = config.idleTimeout().toSeconds();
      this.limits = config.http();
      this.refusals = refusals;
      this.continueCheck = new ContinueCheck(config);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = request.getHttpURI() == null ? null : request.getHttpURI().getDecodedPath();
      String route = path == null ? "" : ApiHandler.route(path);
      int limit = route.equals(ApiHandler.DECODE) ? decodeMaxBytes : maxBodyBytes;
      boolean expects = request.getHeaders().contains(HttpHeader.EXPECT, "100-continue");
      if (expects && continueCheck.refused(request, response, callback, route)) {
        return true;
      }
      long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
      if (declared > limit && (declared > DRAIN_LIMIT || expects)) {
        serve(new Exchange(request, response, null, Http.BodyRefused.tooLarge(limit)), callback);
      } else {
        new BodyReader(request, response, callback, limit, limits, refusals, idleSeconds, this::serve).run();
      }
      return true;
    }

    void serve(Exchange ex, Callback callback) {
      CompletionStage<Void> done;
      try {
        done = api.handle(ex);
      } catch (IOException | RuntimeException e) {
        callback.failed(e);
        return;
      }
      done.whenComplete((v, e) -> {
        if (e == null) {
          callback.succeeded();
        } else {
          callback.failed(e);
        }
      });
    }
  }

  /**
   * Jetty's own error answers (malformed requests, 431, ...) as problem+json instead of HTML, each closing
   * its connection and counted, never logged.
   */
  static final class ProblemErrorHandler extends ErrorHandler {
    private final Refusals refusals;

    ProblemErrorHandler(Refusals refusals) {
      this.refusals = refusals;
    }

    @Override
    public boolean errorPageForMethod(String method) {
      return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, @Nullable String message,
        @Nullable Throwable cause, Callback callback) {
      // Jetty's reason for a malformed request ("Duplicate Host Header"), never the text of another
      // failure, which names a server class
      String reason = cause == null || cause instanceof HttpException ? message : null;
      if (!(cause instanceof IOException)) { // an I/O failure: the client has gone, nothing was refused
        refusals.malformed(code, reason);
      }
      String path = request.getHttpURI() == null ? null : request.getHttpURI().getPath();
      byte[] body = Http.problemJson(code, detail(code, reason), path).getBytes(StandardCharsets.UTF_8);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, Http.PROBLEM_JSON);
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static String detail(int status, @Nullable String message) {
      String m = message == null || message.isBlank() ? Http.reason(status) : message;
      return status == 431 ? "the request line and headers are larger than " + MAX_HEADER_BYTES + " bytes"
          : "the request cannot be served: " + m;
    }
  }
}
