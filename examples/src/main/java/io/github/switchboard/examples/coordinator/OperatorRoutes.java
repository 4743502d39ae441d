package io.github.switchboard.examples.coordinator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/*
 * The operator's view in front of the API: GET /api/v1/events (EventStreams) and GET /console/
 * (ConsoleHandler). They are served here, before the API's body reader and worker: a stream holds no
 * worker while it is open (Jetty writes without blocking), and it is not a request "in flight" that
 * Coordinator.close() waits for: close() ends the streams first. Every other request goes on to the API.
 */
/** Routes the event stream and the console; passes the rest on. */
final class OperatorRoutes extends Handler.Wrapper {
  private final EventStreams events;
  private final ConsoleHandler console;

  OperatorRoutes(EventStreams events, ConsoleHandler console, Handler api) {
    super(api);
    this.events = events;
    this.console = console;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = request.getHttpURI() == null ? null : request.getHttpURI().getDecodedPath();
    if (path != null && ApiHandler.route(path).equals(EventStreams.PATH)) {
      if (request.getMethod().equals("GET")) {
        events.open(request, response, callback);
      } else {
        problem(request, response, callback, 405, "method " + request.getMethod()
            + " is not allowed here; allowed: GET", Map.of("Allow", "GET"));
      }
      return true;
    }
    if (path != null && ConsoleHandler.serves(path)) {
      console.handle(request, response, callback);
      return true;
    }
    return super.handle(request, response, callback);
  }

  /** Ends the event streams before the server closes their connections. */
  @Override
  protected void doStop() throws Exception {
    events.close();
    super.doStop();
  }

  /** Answers an RFC 9457 problem, as the API does, without a worker. */
  static void problem(Request request, Response response, Callback callback, int status, String detail,
      Map<String, String> headers) {
    byte[] body = Http.problemJson(status, detail, request.getHttpURI().getPath()).getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put("Content-Type", Http.PROBLEM_JSON);
    response.getHeaders().put("Cache-Control", "no-store");
    headers.forEach(response.getHeaders()::put);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
