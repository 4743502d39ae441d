package io.github.switchboard.registration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.NodeView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Small helpers shared by the tests. */
final class TestSupport {
  private TestSupport() {}

  /** A loopback port nothing listens on (bound and released at once). */
  static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static URI nothingListening() {
    return URI.create("http://127.0.0.1:" + closedPort());
  }

  static RedisTarget redisDown() {
    return RedisTarget.standalone("127.0.0.1", closedPort());
  }

  /** Breakers that open after 2 failures in a row and probe again after {@code open}. */
  static CircuitBreakerConfig quickBreakers(Duration open) {
    return CircuitBreakerConfig.from(RegistrationClients.defaultCircuitBreakerConfig())
        .slidingWindowSize(2).minimumNumberOfCalls(2).failureRateThreshold(100)
        .waitDurationInOpenState(open).build();
  }

  static DecoderNode node(String id) {
    return DecoderNode.builder(id, URI.create("http://decoder-" + id + ":8001"))
        .region("us-east-1").gpuType("T4").capacity(50).languages("en", "es").tags("production")
        .build();
  }

  /** The node ids in a Redis pool, read through a fresh pool. */
  static List<String> redisNodeIds(RedisTarget target, String pool) {
    try (DecoderPool p = DecoderPools.builder(pool).redis(target).build()) {
      return p.nodes().stream().map(NodeView::nodeId).collect(Collectors.toList());
    }
  }

  /** The nodes in a pool file, read through a fresh pool (the file must be readable). */
  static List<NodeView> fileNodes(Path file) {
    try (DecoderPool p = DecoderPools.builder("default").file(file).build()) {
      return p.nodes();
    }
  }
}
