package io.github.switchboard.pool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Run in a second JVM by FilePoolStoreTest: registers {@code count} nodes named {@code prefix-i} in a
 * pool file from {@code threads} threads, then prints "done N".
 */
public final class FilePoolWriterMain {
  private FilePoolWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    try (DecoderPool pool = DecoderPools.builder("default").file(file).sweepInterval(Duration.ofHours(1)).build()) {
      List<Thread> workers = new ArrayList<>();
      List<CompletableFuture<Boolean>> results = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        int first = t;
        Thread w = new Thread(() -> {
          for (int i = first; i < count; i += threads) {
            results.add(pool.registerAsync(PoolTesting.node(prefix + "-" + i).build()).toCompletableFuture());
          }
        });
        workers.add(w);
        w.start();
      }
      for (Thread w : workers) {
        w.join();
      }
      CompletableFuture.allOf(results.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
      System.out.println("done " + results.size());
    }
  }
}
