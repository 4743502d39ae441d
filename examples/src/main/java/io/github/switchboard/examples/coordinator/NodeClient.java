package io.github.switchboard.examples.coordinator;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeNetworks;
import io.github.switchboard.pool.Selection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/*
 * Sends a decode to the nodes of a Selection: POST {endpoint}/decode with the body and the headers passed
 * on, to the chosen node and, if it fails to answer or answers 5xx, once to the first alternative.
 *
 * - One deadline for the whole decode (DECODE_TIMEOUT_MS from the request's arrival): each attempt gets what
 *   is left of it, as the request's timeout and as a bound on reading the answer (the attempt is then
 *   cancelled, which closes its connection). Past the deadline the decode fails with 504, whatever the
 *   attempt was doing; there is no retry without time left.
 * - Outcomes: 200 is the answer; a 5xx, a refused or reset connection, or a connect timeout tries the next
 *   node; any other status is the node's definite answer and fails at once with 502 (it is not a result
 *   to cache, and another node would say the same); an answer over MAX_ANSWER_BYTES fails with 502.
 * - Bounds: at most MAX_REQUESTS requests to nodes at once per coordinator (past it a decode fails at once
 *   with 503 and Retry-After: 1), so the connections the client opens, in use or idle in its pool, are
 *   bounded by it; redirects are not followed (as the health checks: a node cannot bounce the coordinator
 *   elsewhere). The JDK client's own threads run on a small fixed pool closed with this client.
 * - With NODE_NETWORKS set, a node whose endpoint resolves outside them is never contacted: it counts as a
 *   node that failed (the next one is tried), as the health checks count it.
 * - Nothing is logged: the failure's detail names the nodes tried and what each did, and goes to the
 *   client in the problem answer.
 */
/** The coordinator's HTTP client to decoder nodes. Thread-safe. */
final class NodeClient implements AutoCloseable {
  /** The most requests to decoder nodes in flight at once. */
  static final int MAX_REQUESTS = 256;
  /** The largest answer read from a node, in bytes (16 MiB). */
  static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** A decode that failed: the status to answer ({@code 502}, {@code 503} or {@code 504}) and why. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final transient Map<String, String> headers;

    Failure(int status, String detail) {
      this(status, detail, Map.of());
    }

    Failure(int status, String detail, Map<String, String> headers) {
      super(detail, null, false, false);
      this.status = status;
      this.headers = headers;
    }
  }

  /** What is sent to a node: the body and the request headers passed on, as name, value, name, value. */
  record Call(byte[] body, List<String> headers) {}

  private final ExecutorService threads;
  private final HttpClient client;
  private final Semaphore permits = new Semaphore(MAX_REQUESTS);
  private final long timeoutMillis;
  private final NodeNetworks networks;

  /**
   * Creates the client; {@code timeout} is DECODE_TIMEOUT_MS, named in the 504 answers; nodes outside
   * {@code networks} (NODE_NETWORKS) are never contacted.
   */
  NodeClient(Duration timeout, NodeNetworks networks) {
    this.timeoutMillis = timeout.toMillis();
    this.networks = networks;
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "coordinator-decode-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    this.threads = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), factory);
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(threads)
        .build();
  }

  /**
   * Sends the call to the selection's node, then once to its first alternative if the node fails.
   *
   * @param selection the pool's choice
   * @param call what to send
   * @param deadline the {@link System#nanoTime()} by which the answer must have arrived
   * @return the answer, or a {@link Failure}
   */
  CompletableFuture<NodeAnswer> decode(Selection selection, Call call, long deadline) {
    List<DecoderNode> nodes = selection.alternatives().isEmpty() ? List.of(selection.node())
        : List.of(selection.node(), selection.alternatives().get(0));
    return attempt(nodes, 0, call, deadline, "");
  }

  private CompletableFuture<NodeAnswer> attempt(List<DecoderNode> nodes, int i, Call call, long deadline,
      String failures) {
    DecoderNode node = nodes.get(i);
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      return CompletableFuture.failedFuture(timedOut(failures));
    }
    String outside = networks.refusal(node.endpoint(), "endpoint");
    if (outside != null) {
      return next(nodes, i, call, deadline, failures, node.nodeId() + ": " + outside + " (NODE_NETWORKS)");
    }
    if (!permits.tryAcquire()) {
      return CompletableFuture.failedFuture(new Failure(503, "this coordinator has " + MAX_REQUESTS
          + " requests to decoder nodes in flight; retry shortly", Map.of("Retry-After", "1")));
    }
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(decodeUri(node.endpoint()))
          .timeout(Duration.ofNanos(left))
          .POST(HttpRequest.BodyPublishers.ofByteArray(call.body()));
      if (!call.headers().isEmpty()) {
        b.headers(call.headers().toArray(String[]::new));
      }
      sent = client.sendAsync(b.build(), info -> new LimitedBody(MAX_ANSWER_BYTES));
    } catch (RuntimeException e) { // an endpoint that makes no request URI, a closed executor
      permits.release();
      return next(nodes, i, call, deadline, failures, node.nodeId() + ": " + e.getMessage());
    }
    CompletableFuture<HttpResponse<byte[]>> bounded = sent.copy().orTimeout(left, TimeUnit.NANOSECONDS);
    return bounded.handle((response, error) -> {
      permits.release(); // before a next attempt takes one
      if (error != null) {
        sent.cancel(true); // stops reading an answer that comes too late, and closes its connection
      } else {
        int status = response.statusCode();
        if (status == 200) {
          String type = response.headers().firstValue("Content-Type").orElse("");
          return CompletableFuture.completedFuture(
              new NodeAnswer(type.isBlank() ? NodeAnswer.DEFAULT_CONTENT_TYPE : type, response.body()));
        }
        String why = node.nodeId() + " answered HTTP " + status;
        if (status >= 500) {
          return next(nodes, i, call, deadline, failures, why);
        }
        return CompletableFuture.<NodeAnswer>failedFuture(new Failure(502, "decoder node " + why
            + " (a decode answers 200)" + failures));
      }
      Throwable cause = unwrap(error);
      if (cause instanceof TimeoutException
          || (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException))) {
        return CompletableFuture.<NodeAnswer>failedFuture(timedOut(failures + "; "
            + node.nodeId() + " did not answer in time"));
      }
      if (cause instanceof AnswerTooLarge) {
        return CompletableFuture.<NodeAnswer>failedFuture(new Failure(502, "decoder node " + node.nodeId()
            + ": " + cause.getMessage() + failures));
      }
      return next(nodes, i, call, deadline, failures, node.nodeId() + ": " + describe(cause));
    }).thenCompose(stage -> stage);
  }

  /** Tries the next node after a failure, or fails with 502 naming every failure. */
  private CompletableFuture<NodeAnswer> next(List<DecoderNode> nodes, int i, Call call, long deadline,
      String failures, String why) {
    String all = failures + "; " + why;
    if (i + 1 < nodes.size()) {
      return attempt(nodes, i + 1, call, deadline, all);
    }
    return CompletableFuture.failedFuture(new Failure(502, "every decoder node tried failed" + all));
  }

  private Failure timedOut(String failures) {
    return new Failure(504, "no decoder node answered within " + timeoutMillis + " ms (DECODE_TIMEOUT_MS)"
        + failures);
  }

  /** {@code {endpoint}/decode}, whether or not the endpoint ends with a slash. */
  static URI decodeUri(URI endpoint) {
    String base = endpoint.toString();
    return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/decode");
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " " + m);
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /** Stops the client's threads; requests in flight fail. */
  @Override
  public void close() {
    threads.shutdownNow();
  }

  /** A node's answer was larger than the bound. */
  private static final class AnswerTooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    AnswerTooLarge(long max) {
      super("its answer is larger than " + max + " bytes");
    }
  }

  /** Collects an answer's body up to a bound; past it, cancels the exchange and fails. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.@Nullable Subscription subscription;

    LimitedBody(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if ((long) out.size() + b.remaining() > max) {
          Flow.Subscription s = subscription;
          if (s != null) {
            s.cancel();
          }
          result.completeExceptionally(new AnswerTooLarge(max));
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
