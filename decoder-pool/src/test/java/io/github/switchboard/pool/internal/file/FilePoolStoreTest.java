package io.github.switchboard.pool.internal.file;

import static io.github.switchboard.pool.PoolTesting.await;
import static io.github.switchboard.pool.PoolTesting.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.switchboard.core.testing.ManualTimeSource;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.DecoderPool;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.FilePoolWriterMain;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.PoolTesting;
import io.github.switchboard.pool.RoutingRequest;
import io.github.switchboard.pool.internal.DefaultDecoderPool;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.store.PoolChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePoolStoreTest {
  @TempDir Path dir;
  private final ManualTimeSource clock = new ManualTimeSource();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  private Path file() {
    return dir.resolve("decoder_pool.json");
  }

  private DecoderPool pool() {
    DecoderPool p = DecoderPools.builder("default").file(file()).timeSource(clock)
        .sweepInterval(PoolTesting.NEVER).staleAfter(Duration.ofSeconds(30)).evictAfter(Duration.ofSeconds(60))
        .build();
    opened.add(p);
    return p;
  }

  private void write(String json) throws IOException {
    Path tmp = dir.resolve("edit.tmp");
    Files.writeString(tmp, json);
    Files.move(tmp, file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private String read() throws IOException {
    return Files.readString(file());
  }

  private static Set<String> ids(DecoderPool p) {
    return p.nodes().stream().map(NodeView::nodeId).collect(Collectors.toSet());
  }

  @Test
  void theOriginalsFileLoadsThroughThePoolAsConfiguredNodes() throws IOException {
    write(PoolTesting.original("decoder_pool.json"));
    DecoderPool p = pool();
    NodeView v = p.node("decoder-1").orElseThrow();
    assertThat(v.configured()).isTrue();
    assertThat(v.node().tags()).containsExactly("production");
    assertThat(p.abTests()).extracting(AbTest::name).containsExactly("es-v2");
    assertThat(p.select(RoutingRequest.of("en", "es").preferRegion("us-east-1"))).isPresent();
  }

  @Test
  void theLegacyListLoadsAndIsRewrittenWholeOnTheFirstChange() throws IOException {
    write(PoolTesting.original("legacy_list.json"));
    DecoderPool p = pool();
    assertThat(p.nodes()).hasSize(2);
    assertThat(p.nodes().get(0).runtime().load().load()).isEqualTo(37.5); // legacy runtime, read
    await(p.registerAsync(node("new").build()));
    String text = read();
    assertThat(PoolCodec.readDocument(text, "f").nodes()).hasSize(3);
    assertThat(text).doesNotContain("healthy", "hot_adapters", "uptime");
  }

  @Test
  void runtimeStateNeverGoesIntoThePoolFile() throws IOException {
    DecoderPool p = pool();
    await(p.registerAsync(node("d1").build()));
    await(p.heartbeatAsync("d1", NodeLoad.of(12, 3).withHotAdapters(List.of("a"))));
    String text = read();
    assertThat(text).contains("\"node_id\" : \"d1\"", "\"dynamic\" : true")
        .doesNotContain("load", "inflight", "heartbeat", "hot_adapters");
    // it is in the sibling runtime file, so another process sees it
    assertThat(Files.readString(dir.resolve("decoder_pool.json.runtime"))).contains("\"load\":12.0");
  }

  @Test
  void aChangeByAnotherProcessIsPickedUpWithinASecond() throws IOException {
    DecoderPool p = pool();
    List<PoolEvent> events = new CopyOnWriteArrayList<>();
    p.subscribe(events::add);
    await(p.registerAsync(node("mine").build()));
    String withOperatorNode = read().replace("\"nodes\" : [", "\"nodes\" : [ {\"node_id\": \"operator\","
        + " \"endpoint\": \"http://op:1\"},");
    long start = System.nanoTime();
    write(withOperatorNode);
    await().atMost(Duration.ofSeconds(1)).until(() -> p.node("operator").isPresent());
    long took = System.nanoTime() - start;
    assertThat(p.node("operator").orElseThrow().configured()).isTrue();
    assertThat(p.node("mine")).isPresent();
    await().atMost(Duration.ofSeconds(2)).until(() -> events.stream().anyMatch(
        e -> e instanceof PoolEvent.NodeRegistered r && r.nodeId().equals("operator")));
    assertThat(events).anyMatch(e -> e.type() == PoolEvent.Type.RELOADED);
    System.out.printf("file change picked up after %d ms%n", TimeUnit.NANOSECONDS.toMillis(took));
  }

  @Test
  void aCorruptedFileIsReportedTheLastGoodPoolKeptAndTheFileNotOverwritten() throws Exception {
    DecoderPool p = pool();
    await(p.registerAsync(node("a").build()));
    await(p.registerAsync(node("b").build()));
    String garbage = "{\"nodes\": [{\"node_id\": \"a\", \"endpoint\": \"http://a\"}, {\"node_id\": \"b\"";
    write(garbage);
    FilePoolStore store = (FilePoolStore) ((DefaultDecoderPool) p).store();
    await().atMost(Duration.ofSeconds(2)).until(() -> store.lastError().isPresent());
    assertThat(store.lastError().orElseThrow()).hasMessageContaining("decoder_pool.json: not valid JSON");
    assertThat(ids(p)).containsExactlyInAnyOrder("a", "b");
    assertThatThrownBy(() -> await(p.reloadAsync())).isInstanceOf(PoolFormatException.class)
        .hasMessageContaining("not valid JSON");
    assertThat(ids(p)).containsExactlyInAnyOrder("a", "b");
    // heartbeats and selection go on; nothing is written over the bad file meanwhile
    await(p.heartbeatAsync("a", NodeLoad.of(1)));
    assertThat(p.select(RoutingRequest.of("en", "es"))).isPresent();
    // several polls pass; none may write the file
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> read().equals(garbage));

    // a valid change writes the last good pool plus the change, and keeps the bad file aside
    await(p.registerAsync(node("c").build()));
    assertThat(PoolCodec.readDocument(read(), "f").nodes()).extracting(DecoderNode::nodeId)
        .containsExactly("a", "b", "c");
    try (Stream<Path> files = Files.list(dir)) {
      Path aside = files.filter(f -> f.getFileName().toString().startsWith("decoder_pool.json.corrupt-"))
          .findFirst().orElseThrow();
      assertThat(Files.readString(aside)).isEqualTo(garbage);
    }
    assertThat(store.lastError()).isEmpty();
  }

  @Test
  void aMalformedFileAtStartStopsAFileOnlyPoolWithAClearError() throws IOException {
    String bad = "{\"nodes\": [{\"node_id\": \"a\", \"endpoint\": \"http://a\", \"capacity\": -5}]}";
    write(bad);
    assertThatThrownBy(this::pool).isInstanceOf(PoolFormatException.class)
        .hasMessageContaining("decoder_pool.json: nodes[0] (node_id 'a'): capacity must be > 0, was -5");
    assertThat(read()).isEqualTo(bad);
  }

  @Test
  void aStoreOpenedOnAMalformedFileRefusesWritesUntilTheFileIsFixed() throws IOException {
    write("[{\"node_id\": \"a\"}]");
    FilePoolStore store = FilePoolStore.open(file(), Duration.ofMillis(50));
    opened.add(store);
    assertThat(store.hasGoodCopy()).isFalse();
    assertThat(store.snapshot().nodes()).isEmpty();
    assertThatThrownBy(() -> await(store.write(new PoolChange.Upsert(node("x").build(), false))))
        .isInstanceOf(PoolFormatException.class).hasMessageContaining("not writing over it")
        .hasMessageContaining("nodes[0] (node_id 'a'): endpoint is required");
    assertThat(read()).isEqualTo("[{\"node_id\": \"a\"}]");
    write("[{\"node_id\": \"a\", \"endpoint\": \"http://a\"}]");
    await().atMost(Duration.ofSeconds(2)).until(store::hasGoodCopy);
    assertThat(await(store.write(new PoolChange.Upsert(node("x").build(), false)))).isTrue();
    assertThat(store.snapshot().nodes()).containsOnlyKeys("a", "x");
  }

  @Test
  void aVanishedFileKeepsTheLastGoodPool() throws IOException {
    DecoderPool p = pool();
    await(p.registerAsync(node("a").build()));
    Files.delete(file());
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> ids(p).equals(Set.of("a")));
    await(p.registerAsync(node("b").build()));
    assertThat(PoolCodec.readDocument(read(), "f").nodes()).hasSize(2);
  }

  @Test
  void writesAreAtomicForAConcurrentReader() throws Exception {
    DecoderPool p = pool();
    await(p.registerAsync(node("first").build()));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger reads = new AtomicInteger();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      while (!stop.get()) {
        try {
          int n = PoolCodec.readDocument(Files.readAllBytes(file()), "f").nodes().size();
          if (n == 0) {
            errors.add(new AssertionError("empty pool read"));
          }
          reads.incrementAndGet();
        } catch (Throwable t) {
          errors.add(t);
        }
      }
    });
    reader.start();
    for (int i = 0; i < 200; i++) {
      await(p.registerAsync(node("n" + i).build()));
    }
    stop.set(true);
    reader.join();
    assertThat(errors).isEmpty();
    assertThat(reads.get()).isPositive();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void configuredNodesAreNeverEvictedButDynamicOnesAre() throws IOException {
    write("{\"nodes\": [{\"node_id\": \"static\", \"endpoint\": \"http://s:1\"}], \"ab_tests\": []}");
    DecoderPool p = pool();
    await(p.registerAsync(node("dynamic").build()));
    await(p.registerAsync(node("static").capacity(5).build())); // re-registering keeps it configured
    await(p.heartbeatAsync("static", NodeLoad.NONE));
    await(p.heartbeatAsync("dynamic", NodeLoad.NONE));
    clock.advance(Duration.ofMinutes(10));
    assertThat(await(((DefaultDecoderPool) p).sweep())).isEqualTo(1);
    assertThat(ids(p)).containsExactly("static");
    assertThat(p.node("static").orElseThrow().configured()).isTrue();
    assertThat(p.node("static").orElseThrow().selectable()).isFalse(); // stale, though kept
    assertThat(read()).doesNotContain("\"dynamic\"");
  }

  @Test
  void twoStoresInOneJvmLoseNoUpdate() throws Exception {
    FilePoolStore a = FilePoolStore.open(file(), Duration.ofMillis(200));
    FilePoolStore b = FilePoolStore.open(file(), Duration.ofMillis(200));
    opened.add(a);
    opened.add(b);
    List<CompletableFuture<Boolean>> all = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      FilePoolStore s = t % 2 == 0 ? a : b;
      int first = t;
      threads.add(new Thread(() -> {
        for (int i = first; i < 1000; i += 16) {
          all.add(s.write(new PoolChange.Upsert(node("n" + i).build(), false)).toCompletableFuture());
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(3)).until(() ->
        a.snapshot().nodes().size() == 1000 && b.snapshot().nodes().size() == 1000);
    assertThat(PoolCodec.readDocument(read(), "f").nodes()).hasSize(1000);
  }

  @Test
  void twoProcessesSharingOneFileLoseNoUpdate() throws Exception {
    DecoderPool p = pool();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        FilePoolWriterMain.class.getName(), file().toString(), "child", "500", "8")
        .redirectErrorStream(true).start();
    try {
      List<CompletableFuture<Boolean>> mine = new CopyOnWriteArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int first = t;
        threads.add(new Thread(() -> {
          for (int i = first; i < 500; i += 8) {
            mine.add(p.registerAsync(node("parent-" + i).build()).toCompletableFuture());
          }
        }));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      CompletableFuture.allOf(mine.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.exitValue()).as(out).isZero();
      assertThat(out).contains("done 500");
    } finally {
      child.destroyForcibly();
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> p.nodes().size() == 1000);
    assertThat(PoolCodec.readDocument(read(), "f").nodes()).hasSize(1000);
  }
}
