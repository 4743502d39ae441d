package io.github.switchboard.pool;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers shared by the pool tests. */
public final class PoolTesting {
  private PoolTesting() {}

  /** Waits for a stage (at most 20 s) and returns its value, rethrowing its failure unwrapped. */
  public static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(c);
    } catch (TimeoutException e) {
      throw new AssertionError("stage did not complete within 20 s", e);
    }
  }

  /** A file of the original system, from the test resources ({@code /original/NAME}). */
  public static String original(String name) {
    try (java.io.InputStream in = PoolTesting.class.getResourceAsStream("/original/" + name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A node on a local port-less endpoint. */
  public static DecoderNode.Builder node(String id) {
    return DecoderNode.builder(id, URI.create("http://" + id + ".test:8001"));
  }

  /** A duration that stays out of the way: sweeps are triggered by hand. */
  public static final Duration NEVER = Duration.ofHours(1);
}
