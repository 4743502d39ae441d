package io.github.switchboard.examples.coordinator;

import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/*
 * A client that sends "Expect: 100-continue" waits for "100 Continue" before it sends the body, and Jetty
 * sends the 100 when the body is first read. The body is read before the API handler runs, so without
 * this check every such request got its 100, and sent its body, before its credentials were looked at.
 * Here, before the body is read, the credentials the API would ask for are checked the way it checks
 * them, and a request that would be refused whatever its body is answered 401 at once (the body never
 * sent, the connection closed):
 *
 *   POST /api/v1/route and /api/v1/decode: X-API-Key present, and one of API_KEYS_FILE's if it is set;
 *   every other request but GET under /api/v1/: the Bearer token.
 *
 * The size comes next (HttpServerFactory: a declared Content-Length over the route's limit is 413 at
 * once), and only then the 100. The API checks everything again once the body is in.
 */
/** Refuses a request waiting for 100 Continue when its credentials already decide it. */
final class ContinueCheck {
  private static final Map<String, String> BEARER_CHALLENGE =
      Map.of("WWW-Authenticate", "Bearer realm=\"switchboard\"");
  private static final Map<String, String> INVALID_TOKEN_CHALLENGE =
      Map.of("WWW-Authenticate", "Bearer realm=\"switchboard\", error=\"invalid_token\"");

  private final byte[] tokenDigest;
  private final @Nullable Set<String> apiKeyDigests;

  ContinueCheck(CoordinatorConfig config) {
    this.tokenDigest = Http.sha256(config.apiToken());
    this.apiKeyDigests = config.apiKeyDigests();
  }

  /**
   * Answers 401 (and returns true) if the request would be refused for its credentials whatever its body.
   *
   * @param route the path as the API dispatches it
   */
  boolean refused(Request request, Response response, Callback callback, String route) {
    String method = request.getMethod();
    if (route.equals(ApiHandler.ROUTE) || route.equals(ApiHandler.DECODE)) {
      if (!HttpMethod.POST.is(method)) {
        return false; // 405 from the API, before any body is read
      }
      String key = request.getHeaders().get("X-API-Key");
      key = key == null ? "" : key.strip();
      if (key.isEmpty()) {
        return refuse(request, response, callback, "the X-API-Key header is required", Admission.API_KEY_CHALLENGE);
      }
      Set<String> accepted = apiKeyDigests;
      if (accepted != null && !accepted.contains(Http.sha256Hex(key))) {
        return refuse(request, response, callback, "the X-API-Key is not accepted", Admission.API_KEY_CHALLENGE);
      }
      return false;
    }
    if (HttpMethod.GET.is(method) || !route.startsWith("/api/v1/")) {
      return false;
    }
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    auth = auth == null ? "" : auth.strip();
    if (auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return refuse(request, response, callback,
          "this request needs the header 'Authorization: Bearer <COORDINATOR_API_TOKEN>'", BEARER_CHALLENGE);
    }
    if (!MessageDigest.isEqual(Http.sha256(auth.substring(7).strip()), tokenDigest)) {
      return refuse(request, response, callback, "the Bearer token is not valid", INVALID_TOKEN_CHALLENGE);
    }
    return false;
  }

  private static boolean refuse(Request request, Response response, Callback callback, String detail,
      Map<String, String> challenge) {
    Map<String, String> headers = new HashMap<>(challenge);
    headers.put("Connection", "close");
    OperatorRoutes.problem(request, response, callback, 401, detail, headers);
    return true;
  }
}
