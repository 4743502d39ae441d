package io.github.switchboard.examples.spring;

import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.Selection;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sample's endpoints. The rate limit is not here: the starter's filter applies it to {@code /api/**}
 * before a request reaches a controller.
 */
@RestController
public class RoutingController {

  private final DecoderPool pool;

  /**
   * Creates the controller.
   *
   * @param pool the decoder pool the starter configured
   */
  public RoutingController(DecoderPool pool) {
    this.pool = pool;
  }

  /**
   * Chooses a decoder node for a language pair: {@code 200} with the node, {@code 400} as a problem for
   * an invalid language, or {@code 503} as a problem when no node can serve the pair.
   *
   * @param source the source language
   * @param target the target language
   * @return the node's id and endpoint, or a problem
   */
  @GetMapping("/api/route")
  public ResponseEntity<?> route(@RequestParam String source, @RequestParam String target) {
    RoutingRequest request;
    try {
      request = RoutingRequest.of(source, target);
    } catch (IllegalArgumentException e) {
      return ResponseEntity.badRequest()
          .body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage()));
    }
    Optional<Selection> selection = pool.select(request);
    if (selection.isEmpty()) {
      ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
          "no decoder node can serve " + source + " -> " + target + " now");
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(problem);
    }
    DecoderNode node = selection.get().node();
    return ResponseEntity.ok(Map.of("node_id", node.nodeId(), "endpoint", node.endpoint().toString()));
  }

  /**
   * A limited endpoint that does nothing else.
   *
   * @return a greeting
   */
  @GetMapping("/api/hello")
  public Map<String, String> apiHello() {
    return Map.of("message", "hello");
  }

  /**
   * An endpoint outside {@code /api/**}: not limited.
   *
   * @return a greeting
   */
  @GetMapping("/hello")
  public Map<String, String> hello() {
    return Map.of("message", "hello");
  }
}
