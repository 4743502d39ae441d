package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.HealthCheckConfig;
import io.github.switchboard.pool.NodeHealth;
import io.github.switchboard.pool.NodeLoad;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Active health checks with hysteresis. Each round (every interval) sends one GET per node that has no
 * check in flight; a 2xx answer within the timeout is a success, anything else (status, timeout,
 * connection error) a failure. Counters are consecutive: `fall` failures in a row mark a node UNHEALTHY,
 * `rise` successes in a row mark it HEALTHY (from UNKNOWN or UNHEALTHY). A success whose body is a JSON
 * object with `load` or `inflight` also reports the node's load.
 *
 * Redirects are not followed (HttpClient's default), so a health URL cannot bounce the coordinator to
 * another host.
 */
/** Checks nodes over HTTP and reports verdicts and loads. */
final class HealthChecker {
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

  /** Receives the outcomes. */
  interface Sink {
    void healthChanged(String nodeId, NodeHealth health, String why);

    void loadReported(String nodeId, NodeLoad load);
  }

  private static final class State {
    volatile boolean inFlight;
    int successes;
    int failures;
    NodeHealth health = NodeHealth.UNKNOWN;
  }

  private final String poolName;
  private final HealthCheckConfig config;
  private final HttpClient client;
  private final Sink sink;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private volatile boolean closed;

  HealthChecker(String poolName, HealthCheckConfig config, Executor executor, Sink sink) {
    this.poolName = poolName;
    this.config = config;
    this.sink = sink;
    this.client = HttpClient.newBuilder()
        .connectTimeout(config.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(executor)
        .build();
  }

  /** Runs one round over the nodes; forgets nodes no longer present. */
  void round(Supplier<Collection<DecoderNode>> nodes) {
    if (closed) {
      return;
    }
    Set<String> present = new HashSet<>();
    for (DecoderNode node : nodes.get()) {
      present.add(node.nodeId());
      State st = states.computeIfAbsent(node.nodeId(), k -> new State());
      if (st.inFlight) {
        continue;
      }
      st.inFlight = true;
      check(node, st);
    }
    states.keySet().retainAll(present);
  }

  /** Forgets a node's counters (it was removed). */
  void forget(String nodeId) {
    states.remove(nodeId);
  }

  NodeHealth health(String nodeId) {
    State st = states.get(nodeId);
    return st == null ? NodeHealth.UNKNOWN : st.health;
  }

  private void check(DecoderNode node, State st) {
    URI uri = node.effectiveHealthUrl();
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(uri).timeout(config.timeout()).GET()
          .header("Accept", "application/json").build();
    } catch (IllegalArgumentException e) {
      st.inFlight = false;
      outcome(node.nodeId(), st, false, "invalid health URL: " + e.getMessage(), null);
      return;
    }
    client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .whenComplete((resp, err) -> {
          st.inFlight = false;
          if (closed) {
            return;
          }
          if (err != null) {
            Throwable cause = err.getCause() != null ? err.getCause() : err;
            outcome(node.nodeId(), st, false, uri + ": " + cause, null);
          } else if (resp.statusCode() / 100 != 2) {
            outcome(node.nodeId(), st, false, uri + " answered HTTP " + resp.statusCode(), null);
          } else {
            outcome(node.nodeId(), st, true, uri + " answered HTTP " + resp.statusCode(), resp.body());
          }
        });
  }

  private void outcome(String nodeId, State st, boolean ok, String why, @org.jspecify.annotations.Nullable String body) {
    NodeHealth changed = null;
    synchronized (st) {
      if (ok) {
        st.failures = 0;
        st.successes++;
        if (st.health != NodeHealth.HEALTHY && st.successes >= config.rise()) {
          st.health = NodeHealth.HEALTHY;
          changed = st.health;
        }
      } else {
        st.successes = 0;
        st.failures++;
        if (st.health != NodeHealth.UNHEALTHY && st.failures >= config.fall()) {
          st.health = NodeHealth.UNHEALTHY;
          changed = st.health;
        }
      }
    }
    if (ok && body != null && !body.isEmpty()) {
      PoolCodec.readHealthLoad(body).ifPresent(load -> sink.loadReported(nodeId, load));
    }
    if (changed != null && states.get(nodeId) == st) {
      if (changed == NodeHealth.UNHEALTHY) {
        LOG.warn("pool '{}': node {} is unhealthy after {} failed checks; last: {}", poolName, nodeId,
            config.fall(), why);
      } else {
        LOG.info("pool '{}': node {} is healthy after {} successful checks", poolName, nodeId, config.rise());
      }
      sink.healthChanged(nodeId, changed, why);
    }
  }

  void close() {
    closed = true;
    states.clear();
  }
}
