package io.github.switchboard.registration;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeStatus;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.PoolJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A coordinator as the registration client sees it, on 127.0.0.1: the write routes of the coordinator HTTP
 * API with a Bearer token, a GET of one node for assertions, and a {@code /health} route so that the same
 * stub can stand for a decoder node. Can be stopped and started again on the same port.
 */
final class CoordinatorStub implements AutoCloseable {
  private static final String DECODERS = "/api/v1/decoders";

  final String token;
  final Map<String, DecoderNode> nodes = new ConcurrentHashMap<>();
  final Map<String, NodeLoad> loads = new ConcurrentHashMap<>();
  final AtomicInteger posts = new AtomicInteger();
  final AtomicInteger heartbeats = new AtomicInteger();
  final AtomicInteger deletes = new AtomicInteger();
  final AtomicInteger healthChecks = new AtomicInteger();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  /** The status of every node posted, in order. */
  final List<NodeStatus> postedStatuses = new CopyOnWriteArrayList<>();
  volatile Predicate<DecoderNode> rejects = n -> false;
  volatile int healthStatus = 200;
  /** When not 0, every API route answers this status (a problem) instead of doing its work. */
  volatile int answerAll;
  /** With {@link #answerAll}: the raw problem+json body of that answer instead of a problem. */
  volatile String answerBody;
  /** With {@link #answerBody}: sent chunked, without a Content-Length. */
  volatile boolean answerChunked;
  /** How long every API route waits before it answers (a hung coordinator, as the client sees it). */
  volatile long delayMillis;

  private final int port;
  private volatile HttpServer server;

  private CoordinatorStub(String token, int port) throws IOException {
    this.token = token;
    this.server = bind(port);
    this.port = server.getAddress().getPort();
  }

  static CoordinatorStub start(String token) throws IOException {
    return new CoordinatorStub(token, 0);
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  int port() {
    return port;
  }

  void forget(String nodeId) {
    nodes.remove(nodeId);
  }

  synchronized void stop() {
    server.stop(0);
  }

  synchronized void restart() throws IOException {
    server = bind(port);
  }

  @Override
  public void close() {
    stop();
  }

  private HttpServer bind(int p) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 0);
    s.createContext("/", this::handle);
    s.start();
    return s;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      if (path.equals("/health")) {
        healthChecks.incrementAndGet();
        send(ex, healthStatus, "application/json", "{\"status\":\"UP\"}");
        return;
      }
      if (!path.startsWith(DECODERS)) {
        problem(ex, 404, "no such resource");
        return;
      }
      long delay = delayMillis;
      if (delay > 0) {
        try {
          Thread.sleep(delay); // the server side of a slow coordinator, not a test wait
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      int forced = answerAll;
      if (forced != 0) {
        posts.incrementAndGet();
        String raw = answerBody;
        if (raw != null) {
          send(ex, forced, "application/problem+json", raw, answerChunked);
        } else {
          problem(ex, forced, "forced answer " + forced);
        }
        return;
      }
      String rest = path.substring(DECODERS.length());
      if (rest.isEmpty() && method.equals("POST")) {
        if (authorized(ex)) {
          register(ex);
        }
      } else if (rest.matches("/[^/]+") && method.equals("DELETE")) {
        if (authorized(ex)) {
          deletes.incrementAndGet();
          if (nodes.remove(rest.substring(1)) == null) {
            problem(ex, 404, "no decoder node with this node_id");
          } else {
            send(ex, 204, null, "");
          }
        }
      } else if (rest.matches("/[^/]+") && method.equals("GET")) {
        DecoderNode n = nodes.get(rest.substring(1));
        if (n == null) {
          problem(ex, 404, "no decoder node with this node_id");
        } else {
          send(ex, 200, "application/json", PoolJson.writeNode(n));
        }
      } else if (rest.matches("/[^/]+/heartbeat") && method.equals("PUT")) {
        if (authorized(ex)) {
          heartbeats.incrementAndGet();
          String id = rest.substring(1, rest.length() - "/heartbeat".length());
          NodeLoad load = PoolJson.readLoad(body(ex));
          if (!nodes.containsKey(id)) {
            problem(ex, 404, "no decoder node with this node_id; register it first");
          } else {
            loads.put(id, load);
            send(ex, 204, null, "");
          }
        }
      } else {
        problem(ex, 405, "method not allowed");
      }
    }
  }

  private void register(HttpExchange ex) throws IOException {
    posts.incrementAndGet();
    DecoderNode node;
    try {
      node = PoolJson.readNode(body(ex));
    } catch (PoolFormatException e) {
      problem(ex, 400, "invalid decoder node: " + e.getMessage());
      return;
    }
    if (rejects.test(node)) {
      problem(ex, 400, "invalid decoder node: endpoint host is not allowed");
      return;
    }
    postedStatuses.add(node.status());
    boolean created = nodes.put(node.nodeId(), node) == null;
    send(ex, created ? 201 : 200, "application/json", PoolJson.writeNode(node));
  }

  private boolean authorized(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    authorizations.add(auth == null ? "" : auth);
    if (auth == null) {
      problem(ex, 401, "this request needs the header 'Authorization: Bearer <COORDINATOR_API_TOKEN>'");
      return false;
    }
    if (!auth.equals("Bearer " + token)) {
      problem(ex, 401, "the Bearer token is not valid");
      return false;
    }
    return true;
  }

  private static String body(HttpExchange ex) throws IOException {
    return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static void problem(HttpExchange ex, int status, String detail) throws IOException {
    String json = "{\"type\":\"about:blank\",\"status\":" + status + ",\"detail\":\""
        + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    send(ex, status, "application/problem+json", json);
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    send(ex, status, type, body, false);
  }

  private static void send(HttpExchange ex, int status, String type, String body, boolean chunked)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (type != null) {
      ex.getResponseHeaders().set("Content-Type", type);
    }
    if (status == 204 || bytes.length == 0) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, chunked ? 0 : bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    } catch (IOException e) {
      // the client may stop reading a reply it finds too large
    }
  }
}
