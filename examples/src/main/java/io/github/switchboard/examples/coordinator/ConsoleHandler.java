package io.github.switchboard.examples.coordinator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/*
 * GET /console/ (API.md, "Events and the operator console"): three files read from the jar at start
 * (console/index.html, console.css, console.js under src/main/resources) and served from memory. Nothing
 * is loaded from elsewhere, and the Content-Security-Policy says so to the browser: scripts, styles and
 * connections from this origin only, no inline script or style, no framing, no form posts, no base URI.
 * Each file carries a strong ETag (its SHA-256) and "Cache-Control: no-cache": a browser keeps it and
 * asks again with If-None-Match, answered 304, so a new version is seen at once. The page reads the API
 * with EventSource and fetch; the bearer token it sends lives in the tab's sessionStorage only.
 */
/** The operator console's static files. */
final class ConsoleHandler {
  /** The console's path; {@code /console} redirects here. */
  static final String PATH = "/console/";

  /** The page's Content-Security-Policy. */
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private record Asset(byte[] bytes, String contentType, String etag) {}

  private final Map<String, Asset> assets;

  ConsoleHandler() {
    assets = Map.of(
        PATH, load("index.html", "text/html; charset=utf-8"),
        PATH + "console.css", load("console.css", "text/css; charset=utf-8"),
        PATH + "console.js", load("console.js", "text/javascript; charset=utf-8"));
  }

  /** Whether this handler serves the path ({@code /console} and everything under {@code /console/}). */
  static boolean serves(String path) {
    return path.equals("/console") || path.startsWith(PATH);
  }

  /** The total size of the console's files, in bytes. */
  int weight() {
    return assets.values().stream().mapToInt(a -> a.bytes().length).sum();
  }

  void handle(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getDecodedPath();
    String method = request.getMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      OperatorRoutes.problem(request, response, callback, 405, "method " + method
          + " is not allowed here; allowed: GET, HEAD", Map.of("Allow", "GET, HEAD"));
      return;
    }
    if (path.equals("/console")) {
      response.setStatus(308);
      response.getHeaders().put("Location", PATH);
      response.getHeaders().put("Content-Length", "0");
      callback.succeeded();
      return;
    }
    Asset asset = assets.get(path.equals("/console/index.html") ? PATH : path);
    if (asset == null) {
      OperatorRoutes.problem(request, response, callback, 404, "no such file in the console", Map.of());
      return;
    }
    var headers = response.getHeaders();
    headers.put("Content-Security-Policy", CSP);
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Referrer-Policy", "no-referrer");
    headers.put("X-Frame-Options", "DENY");
    headers.put("Cache-Control", "no-cache");
    headers.put("ETag", asset.etag());
    String match = request.getHeaders().get("If-None-Match");
    if (match != null && match.contains(asset.etag())) {
      response.setStatus(304);
      callback.succeeded();
      return;
    }
    response.setStatus(200);
    headers.put("Content-Type", asset.contentType());
    headers.put("Content-Length", String.valueOf(asset.bytes().length));
    response.write(true, method.equals("HEAD") ? ByteBuffer.allocate(0) : ByteBuffer.wrap(asset.bytes()), callback);
  }

  private static Asset load(String name, String contentType) {
    try (InputStream in = ConsoleHandler.class.getResourceAsStream("/console/" + name)) {
      if (in == null) {
        throw new IllegalStateException("console/" + name + " is missing from the jar");
      }
      byte[] bytes = in.readAllBytes();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return new Asset(bytes, contentType, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read console/" + name + " from the jar", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
