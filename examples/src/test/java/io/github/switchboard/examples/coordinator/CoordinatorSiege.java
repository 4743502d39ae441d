package io.github.switchboard.examples.coordinator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A slow-header siege of a running coordinator, from another process (JDK only, so that it runs as a
 * single source file): {@code connections} connections from 127.0.0.1, opened 100 every 20 ms, each
 * sending half a request line and headers and then one byte a second, for {@code seconds}; meanwhile
 * GET /health from 127.0.0.3 on a new connection every 500 ms. Prints each second how many connections
 * are open, then the probes' answers, p50 and max. Needs {@code ulimit -n} above the connections.
 *
 * <pre>
 * java examples/src/test/java/io/github/switchboard/examples/coordinator/CoordinatorSiege.java 8002 10000 25
 * </pre>
 *
 * Not a test: the before/after figures of issue 24 (docs/http-api.md, "Bounds") come from it; the test
 * is CoordinatorSiegeTest.
 */
public final class CoordinatorSiege {
  private CoordinatorSiege() {}

  /** What a siege saw: connections opened, connected, failed to connect, closed by the server, open at most. */
  record Outcome(int opened, int connected, int failed, int closedByServer, int mostOpen) {
    @Override
    public String toString() {
      return opened + " opened, " + connected + " connected, " + failed + " failed, " + closedByServer
          + " closed by the server, " + mostOpen + " open at most";
    }
  }

  /**
   * Opens the connections from 127.0.0.1, 100 every 20 ms, each sending half a request and then a byte
   * a second, until {@code maxNanos} have passed, or {@code minNanos} have and the server has closed
   * every one; then closes what is left.
   *
   * @param progress whether to print the connections open each second
   */
  static Outcome siege(InetSocketAddress server, int connections, long minNanos, long maxNanos, boolean progress)
      throws IOException {
    byte[] half = "GET /api/v1/decoders HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
    int opened = 0;
    int connected = 0;
    int failed = 0;
    int closed = 0;
    int mostOpen = 0;
    ByteBuffer scratch = ByteBuffer.allocate(1024);
    ByteBuffer one = ByteBuffer.wrap(new byte[] {'a'});
    long start = System.nanoTime();
    long next = start + 1_000_000_000L;
    try (Selector selector = Selector.open()) {
      try {
        while (System.nanoTime() - start < maxNanos) {
          for (int i = 0; i < 100 && opened < connections; i++, opened++) {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.bind(new InetSocketAddress("127.0.0.1", 0));
            ch.connect(server);
            ch.register(selector, SelectionKey.OP_CONNECT);
          }
          selector.select(20);
          for (SelectionKey key : selector.selectedKeys()) {
            SocketChannel ch = (SocketChannel) key.channel();
            try {
              if (key.isConnectable()) {
                ch.finishConnect();
                connected++;
                ch.write(ByteBuffer.wrap(half));
                key.interestOps(SelectionKey.OP_READ);
              } else if (key.isReadable()) {
                scratch.clear();
                if (ch.read(scratch) < 0) {
                  closed++;
                  key.cancel();
                  ch.close();
                }
              }
            } catch (IOException e) {
              if ((key.interestOps() & SelectionKey.OP_CONNECT) != 0) {
                failed++;
              } else {
                closed++;
              }
              key.cancel();
              ch.close();
            }
          }
          selector.selectedKeys().clear();
          mostOpen = Math.max(mostOpen, connected - closed);
          long now = System.nanoTime();
          if (now >= next) {
            // one byte a second on every connection still open: an idle timeout never fires
            next = now + 1_000_000_000L;
            for (SelectionKey key : selector.keys()) {
              if (key.isValid() && key.interestOps() == SelectionKey.OP_READ) {
                try {
                  ((SocketChannel) key.channel()).write(one.clear());
                } catch (IOException e) {
                  // closed by the server: the read sees it
                }
              }
            }
            if (progress) {
              System.out.printf("t=%d s: %d open, %d closed by the server%n", (now - start) / 1_000_000_000L,
                  connected - closed, closed);
            }
          }
          if (opened == connections && closed + failed == connections && now - start >= minNanos) {
            break;
          }
        }
      } finally {
        for (SelectionKey key : selector.keys()) {
          key.channel().close();
        }
      }
    }
    return new Outcome(opened, connected, failed, closed, mostOpen);
  }

  /**
   * Runs the siege.
   *
   * @param args port, connections, seconds
   */
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int connections = Integer.parseInt(args[1]);
    long seconds = Long.parseLong(args[2]);
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    Map<String, Integer> answers = new ConcurrentHashMap<>();
    ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor();
    probes.scheduleWithFixedDelay(() -> {
      long t = System.nanoTime();
      String status;
      try (Socket s = new Socket()) {
        s.bind(new InetSocketAddress("127.0.0.3", 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        status = r.isEmpty() ? "closed" : r.substring(0, r.indexOf("\r\n"));
      } catch (IOException e) {
        status = e.toString();
      }
      latencies.add(System.nanoTime() - t);
      answers.merge(status, 1, Integer::sum);
    }, 0, 500, TimeUnit.MILLISECONDS);

    Outcome siege = siege(new InetSocketAddress("127.0.0.1", port), connections,
        TimeUnit.SECONDS.toNanos(seconds), TimeUnit.SECONDS.toNanos(seconds), true);
    probes.shutdown();
    probes.awaitTermination(10, TimeUnit.SECONDS);
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    System.out.printf("%s; /health: %d probes %s, p50 %d ms, max %d ms%n", siege, sorted.size(), new TreeMap<>(answers), sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2) / 1_000_000,
        sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1) / 1_000_000);
  }
}
