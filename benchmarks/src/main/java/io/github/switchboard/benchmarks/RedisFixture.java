package io.github.switchboard.benchmarks;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/*
 * A tiny launcher, on purpose independent of core's test harness (the benchmarks jar must run with nothing
 * but a JDK and redis-server on the PATH).
 *
 * When REDIS_URL is set, that server is used as it is (never started, never stopped) and FLUSHALL is sent
 * to it before each trial: point it at a throw-away server only. Otherwise a redis-server is started on a
 * free loopback port with no persistence, its process title carrying "switchboard-bench" so a stray one is
 * easy to find, and it is stopped (SIGTERM, then SIGKILL) at the end of the trial or, failing that, by a
 * shutdown hook.
 */
/** A Redis server for one benchmark trial: started here, or the one REDIS_URL names. */
final class RedisFixture implements AutoCloseable {
  /** The environment variable naming an existing server to use instead of starting one. */
  static final String REDIS_URL_ENV = "REDIS_URL";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final RedisURI uri;
  private final String url;
  private final @Nullable Process process;
  private final @Nullable Path workDir;
  private final @Nullable Thread shutdownHook;

  private RedisFixture(
      String url, @Nullable Process process, @Nullable Path workDir, @Nullable Thread shutdownHook) {
    this.url = url;
    this.uri = RedisURI.create(url);
    this.process = process;
    this.workDir = workDir;
    this.shutdownHook = shutdownHook;
  }

  /**
   * Starts a fresh redis-server, or connects to the one REDIS_URL names, and empties it.
   *
   * @return the fixture, to be closed after the trial
   */
  static RedisFixture startOrConnect() {
    String url = System.getenv(REDIS_URL_ENV);
    RedisFixture fixture =
        url != null && !url.isBlank() ? new RedisFixture(url.strip(), null, null, null) : start(List.of());
    fixture.flushAll();
    return fixture;
  }

  /**
   * Starts a fresh redis-server on a free loopback port (never the one REDIS_URL names).
   *
   * @param extraArgs more arguments of redis-server (a Cluster node's, for {@link ClusterFixture})
   * @return the fixture, to be closed after use
   */
  static RedisFixture start(List<String> extraArgs) {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      Path dir;
      try {
        dir = Files.createTempDirectory("switchboard-bench-redis-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      List<String> cmd = new ArrayList<>();
      cmd.add("redis-server");
      cmd.add("--port");
      cmd.add(Integer.toString(port));
      cmd.add("--bind");
      cmd.add("127.0.0.1");
      cmd.add("--save");
      cmd.add("");
      cmd.add("--appendonly");
      cmd.add("no");
      cmd.add("--dir");
      cmd.add(dir.toString());
      cmd.add("--loglevel");
      cmd.add("warning");
      cmd.add("--proc-title-template");
      cmd.add("{title} switchboard-bench {listen-addr}");
      cmd.addAll(extraArgs);
      Process p;
      try {
        p =
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
      } catch (IOException e) {
        deleteQuietly(dir);
        throw new UncheckedIOException("cannot start redis-server (is it on the PATH?)", e);
      }
      try {
        awaitPong(port, p);
        Thread hook = new Thread(() -> stop(p), "switchboard-bench-redis-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return new RedisFixture("redis://127.0.0.1:" + port, p, dir, hook);
      } catch (IOException e) {
        last = e;
        stop(p);
        deleteQuietly(dir);
      }
    }
    throw new UncheckedIOException("redis-server did not start", last);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void awaitPong(int port, Process p) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("redis-server exited with " + p.exitValue());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        s.setSoTimeout(1000);
        OutputStream out = s.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[7];
        int n = in.readNBytes(buf, 0, buf.length);
        if (new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG")) {
          return;
        }
      } catch (IOException e) {
        last = e;
      }
      try {
        Thread.sleep(20); // polling a process that is starting: nothing to wait on instead
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for redis-server", e);
      }
    }
    throw new IOException("redis-server on port " + port + " did not answer PING", last);
  }

  private static void stop(Process p) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }

  /**
   * The server's address, as a Lettuce URI.
   *
   * @return the URI
   */
  RedisURI uri() {
    return uri;
  }

  /**
   * The server's address as a {@code redis://} URL, with credentials if REDIS_URL carried them.
   *
   * @return the URL
   */
  String url() {
    return url;
  }

  /**
   * The script calls (EVALSHA and EVAL) the server has run so far, from {@code INFO commandstats}.
   *
   * @return the count
   */
  long scriptCalls() {
    return withCommands(
        c -> {
          long n = 0;
          for (String line : c.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
              int at = line.indexOf("calls=");
              int end = line.indexOf(',', at);
              n += Long.parseLong(line.substring(at + "calls=".length(), end < 0 ? line.length() : end));
            }
          }
          return n;
        });
  }

  /**
   * The names of the keys matching a pattern ({@code SCAN MATCH}), in no order.
   *
   * @param match the glob-style pattern
   * @return the names
   */
  List<String> keys(String match) {
    return withCommands(
        c -> {
          List<String> names = new ArrayList<>();
          ScanIterator.scan(c, ScanArgs.Builder.matches(match).limit(1000)).forEachRemaining(names::add);
          return names;
        });
  }

  /**
   * The bytes a key and its value take in the server ({@code MEMORY USAGE key SAMPLES 0}: every element
   * of an aggregate counted).
   *
   * @param key the key's name
   * @return the bytes, or -1 if there is no such key
   */
  long memoryUsage(String key) {
    return withCommands(
        c -> {
          Long bytes =
              c.dispatch(
                  CommandType.MEMORY,
                  new IntegerOutput<>(StringCodec.UTF8),
                  new CommandArgs<>(StringCodec.UTF8).add("USAGE").addKey(key).add("SAMPLES").add(0));
          return bytes == null ? -1L : bytes;
        });
  }

  /** Empties the server (FLUSHALL) and drops its cached scripts, so that every trial starts alike. */
  void flushAll() {
    withCommands(
        c -> {
          c.flushall();
          return c.scriptFlush();
        });
  }

  /** Runs commands on a connection of its own, closed after. */
  private <T> T withCommands(Function<RedisCommands<String, String>, T> work) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return work.apply(c.sync());
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * Builds what a trial measures on a server (or on none), stopping the server if building fails.
   *
   * @param redis the trial's server, or null
   * @param build builds the subject
   * @param <T> the subject's type
   * @return the subject
   */
  static <T> T buildOrStop(@Nullable RedisFixture redis, Supplier<T> build) {
    try {
      return build.get();
    } catch (RuntimeException | Error e) {
      if (redis != null) {
        redis.close();
      }
      throw e;
    }
  }

  /**
   * Closes what a trial measured, then stops the trial's server (if any) even if that close failed.
   *
   * @param close closes the subject
   * @param redis the trial's server, or null
   */
  static void closeThenStop(Runnable close, @Nullable RedisFixture redis) {
    try {
      close.run();
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  @Override
  public void close() {
    Process p = process;
    if (p != null) {
      stop(p);
      Thread hook = shutdownHook;
      if (hook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // the JVM is already shutting down; the hook stops nothing twice
        }
      }
    }
    Path dir = workDir;
    if (dir != null) {
      deleteQuietly(dir);
    }
  }
}
