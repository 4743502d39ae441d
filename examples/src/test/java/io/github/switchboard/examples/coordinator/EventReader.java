package io.github.switchboard.examples.coordinator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.function.Predicate;

/** A reader of {@code GET /api/v1/events} for the tests: every event it received, with its arrival time. */
final class EventReader implements Flow.Subscriber<String>, AutoCloseable {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One event: its name, its data and when it arrived ({@link System#nanoTime()}). */
  record Event(String name, String data, long nanos) {}

  final List<Event> events = new CopyOnWriteArrayList<>();
  private volatile Flow.Subscription subscription;
  private String name = "message";
  private final StringBuilder data = new StringBuilder();

  /** Opens a stream (the answer is read as it arrives, on the client's threads). */
  static EventReader open(URI base) {
    EventReader r = new EventReader();
    HTTP.sendAsync(HttpRequest.newBuilder(base.resolve(EventStreams.PATH)).GET().build(),
        HttpResponse.BodyHandlers.fromLineSubscriber(r));
    return r;
  }

  /** Opens a stream on a socket that never reads (a tiny receive buffer) and returns the socket. */
  static Socket openNeverReading(URI base) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(1024);
    s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
    OutputStream out = s.getOutputStream();
    out.write(("GET " + EventStreams.PATH + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  /** Whether the connection was closed by the server (reads what is there, up to the end). */
  static boolean closedByServer(Socket s) {
    try {
      s.setSoTimeout(200);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[65536];
      while (true) {
        if (in.read(buf) < 0) {
          return true;
        }
      }
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  /** Returns the first event with this name whose data matches, or null. */
  Event first(String event, Predicate<String> data) {
    for (Event e : events) {
      if (e.name().equals(event) && data.test(e.data())) {
        return e;
      }
    }
    return null;
  }

  boolean has(String event, Predicate<String> data) {
    return first(event, data) != null;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(String line) {
    if (line.isEmpty()) {
      if (data.length() > 0) {
        events.add(new Event(name, data.toString(), System.nanoTime()));
      }
      name = "message";
      data.setLength(0);
    } else if (line.startsWith("event: ")) {
      name = line.substring(7);
    } else if (line.startsWith("data: ")) {
      data.append(line, 6, line.length());
    }
  }

  @Override
  public void onError(Throwable t) {}

  @Override
  public void onComplete() {}

  @Override
  public void close() {
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }
}
