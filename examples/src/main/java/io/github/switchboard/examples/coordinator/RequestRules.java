package io.github.switchboard.examples.coordinator;

import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/*
 * Rules on every request, applied by Jetty after its headers are parsed and before any handler sees it
 * (a customizer, so that they hold for the operator routes in front of the API too):
 *
 * - CONNECT is refused with 501 (the coordinator is no proxy), and the connection closed.
 * - A Transfer-Encoding other than chunked (such as "gzip, chunked", which Jetty would read as chunked and
 *   hand on still gzipped) is refused with 501, as RFC 9112 6.1 asks of a coding the server does not know.
 * - HEAD is served as GET without the body (Jetty drops a HEAD answer's content and keeps its
 *   Content-Length), on every route but the event stream, which never ends: HEAD there is 405.
 *
 * The refusals are thrown as HttpException: Jetty answers them through ProblemErrorHandler (problem+json,
 * the connection closed) and Refusals counts them.
 */
/** Refuses CONNECT and unknown transfer codings, and serves HEAD as GET. */
final class RequestRules implements HttpConfiguration.Customizer {
  @Override
  public Request customize(Request request, HttpFields.Mutable responseHeaders) {
    String method = request.getMethod();
    if (HttpMethod.CONNECT.is(method)) {
      throw new HttpException.RuntimeException(501, "CONNECT is not served: the coordinator is not a proxy");
    }
    if (request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
      List<String> codings = request.getHeaders().getCSV(HttpHeader.TRANSFER_ENCODING, false);
      for (String coding : codings) {
        if (!coding.strip().toLowerCase(Locale.ROOT).equals("chunked")) {
          throw new HttpException.RuntimeException(501,
              "Transfer-Encoding: only chunked is supported; send the body uncompressed");
        }
      }
    }
    if (HttpMethod.HEAD.is(method) && !isEventStream(request)) {
      return new Request.Wrapper(request) {
        @Override
        public String getMethod() {
          return HttpMethod.GET.asString();
        }
      };
    }
    return request;
  }

  private static boolean isEventStream(Request request) {
    String path = request.getHttpURI() == null ? null : request.getHttpURI().getDecodedPath();
    return path != null && ApiHandler.route(path).equals(EventStreams.PATH);
  }
}
