package io.github.switchboard.examples.coordinator;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed-rate load driver for the example coordinator's routing route (JDK only, so that it runs as a
 * single source file): {@code connections} keep-alive connections send {@code POST /api/v1/route} on an
 * open-loop schedule that adds up to {@code rate} requests per second, for {@code seconds}. Latency is
 * measured from when a request was due, not when it was sent, so a server that falls behind shows it
 * (no coordinated omission). Prints the achieved rate, p50, p99, p99.9 and the statuses.
 *
 * <pre>
 * java examples/src/test/java/io/github/switchboard/examples/coordinator/CoordinatorLoad.java \
 *     http://127.0.0.1:8002 1000 20 16
 * </pre>
 *
 * Not a test: the figures in docs/benchmarks.md ("Example coordinator") come from it.
 */
public final class CoordinatorLoad {
  private CoordinatorLoad() {}

  /**
   * Runs the load.
   *
   * @param args base URI, requests per second, seconds, connections
   */
  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    int rate = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int connections = args.length > 3 ? Integer.parseInt(args[3]) : 16;
    int total = rate * seconds;
    long[] latencies = new long[total];
    Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    AtomicLong errors = new AtomicLong();
    long intervalNanos = 1_000_000_000L / rate;
    byte[] request = ("POST /api/v1/route HTTP/1.1\r\nHost: " + base.getHost() + "\r\nX-API-Key: load-test\r\n"
        + "X-Source-Language: en\r\nX-Target-Language: es\r\nContent-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    long start = System.nanoTime() + 200_000_000L;
    Thread[] threads = new Thread[connections];
    for (int c = 0; c < connections; c++) {
      int first = c;
      threads[c] = new Thread(() -> {
        Socket socket = null;
        InputStream in = null;
        for (int i = first; i < total; i += connections) {
          long due = start + i * intervalNanos;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            sleepNanos(wait);
          }
          try {
            if (socket == null) {
              socket = new Socket();
              socket.setTcpNoDelay(true);
              socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
              socket.setSoTimeout(30_000);
              in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            }
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            int status = readResponse(in);
            latencies[i] = System.nanoTime() - due;
            statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
          } catch (IOException e) {
            latencies[i] = System.nanoTime() - due;
            errors.incrementAndGet();
            closeQuietly(socket);
            socket = null;
          }
        }
        closeQuietly(socket);
      });
      threads[c].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    Arrays.sort(latencies);
    System.out.printf("requests %d in %.2f s: %.0f/s; latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms,"
            + " max %.2f ms; statuses %s, errors %d%n",
        total, elapsed, total / elapsed, ms(latencies, 0.50), ms(latencies, 0.99), ms(latencies, 0.999),
        latencies[total - 1] / 1e6, new TreeMap<>(statuses), errors.get());
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
  }

  /** Reads one response (status line, headers, Content-Length body); returns the status. */
  private static int readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      int n = head.length();
      if (n >= 4 && head.charAt(n - 4) == '\r' && head.charAt(n - 3) == '\n' && head.charAt(n - 2) == '\r'
          && head.charAt(n - 1) == '\n') {
        break;
      }
    }
    if (b < 0) {
      throw new IOException("connection closed");
    }
    String text = head.toString();
    int status = Integer.parseInt(text.substring(9, 12));
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    in.readNBytes(length);
    return status;
  }

  private static void sleepNanos(long nanos) {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing
      }
    }
  }
}
