package io.github.switchboard.examples.coordinator;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/*
 * Reads a request body without a thread: each run reads what has arrived and asks Jetty to call it again
 * (demand) when more does; the exchange is served (on the thread that delivered the end) once the body is
 * in, too large (413, the rest dropped up to HttpServerFactory.DRAIN_LIMIT) or unreadable.
 *
 * The body rate (HTTP_MIN_BODY_BYTES_PER_SECOND): counted from the end of the headers, the body must keep
 * an average of minBodyRate after a start of the header timeout, that is have received b bytes by
 * start + headerTimeout + b / minBodyRate. While it waits for bytes, one timer (Jetty's scheduler) stands
 * at that deadline and moves on as bytes arrive; when it finds the body behind, it answers 408 itself,
 * closes the connection, and whatever the pending demand delivers later is dropped. A body that stops
 * altogether for the idle timeout is answered 408 by Jetty's idle timeout, through the API handler.
 */
/** Collects a request body chunk by chunk, within the size limit and the body rate. */
final class BodyReader implements Runnable {
  private final Request request;
  private final Response response;
  private final Callback callback;
  private final int limit;
  private final HttpLimits limits;
  private final Refusals refusals;
  private final long idleSeconds;
  private final BiConsumer<Exchange, Callback> serve;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final long start = System.nanoTime();
  private volatile long received;
  private volatile Scheduler.@Nullable Task timer;
  private long dropped;

  BodyReader(Request request, Response response, Callback callback, int limit, HttpLimits limits,
      Refusals refusals, long idleSeconds, BiConsumer<Exchange, Callback> serve) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.limit = limit;
    this.limits = limits;
    this.refusals = refusals;
    this.idleSeconds = idleSeconds;
    this.serve = serve;
  }

  @Override
  public void run() {
    while (!finished.get()) {
      Content.Chunk chunk;
      try {
        chunk = request.read();
      } catch (IllegalStateException e) {
        if (finished.get()) {
          return; // answered 408 by the timer meanwhile: the request is over
        }
        throw e;
      }
      if (chunk == null) {
        if (timer == null) {
          arm();
        }
        request.demand(this);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        finish(new Exchange(request, response, null, refusal(chunk.getFailure())));
        return;
      }
      ByteBuffer bytes = chunk.getByteBuffer();
      int n = bytes.remaining();
      received += n;
      boolean last = chunk.isLast();
      if (dropped > 0 || (long) body.size() + n > limit) {
        // too large: drop the rest (up to DRAIN_LIMIT) and answer 413 once it has all arrived
        dropped += n;
        chunk.release();
        if (last || dropped > HttpServerFactory.DRAIN_LIMIT) {
          finish(new Exchange(request, response, null, Http.BodyRefused.tooLarge(limit)));
          return;
        }
        continue;
      }
      if (bytes.hasArray()) {
        body.write(bytes.array(), bytes.arrayOffset() + bytes.position(), n);
      } else {
        byte[] copy = new byte[n];
        bytes.get(copy);
        body.write(copy, 0, n);
      }
      chunk.release();
      if (last) {
        finish(new Exchange(request, response, body.toByteArray(), null));
        return;
      }
    }
  }

  private Http.BodyRefused refusal(Throwable failure) {
    if (failure instanceof TimeoutException) {
      refusals.slowBody();
      return new Http.BodyRefused(408, "the request body did not arrive within " + idleSeconds
          + " s (a Content-Length longer than the body?)");
    }
    if (failure instanceof HttpException http && http.getReason() != null) {
      // Jetty's own reason ("Bad chunking", ...); never the exception, whose text names a server class
      return new Http.BodyRefused(400, "the request body is malformed: " + http.getReason());
    }
    return new Http.BodyRefused(400, "the request body could not be read (malformed, or the connection failed)");
  }

  private void finish(Exchange exchange) {
    if (finished.compareAndSet(false, true)) {
      Scheduler.Task t = timer;
      if (t != null) {
        t.cancel();
      }
      serve.accept(exchange, callback);
    }
  }

  /** The time by which the body must have its current bytes: a start, then minBodyRate on average. */
  private long deadline() {
    return start + limits.headerTimeout().toNanos() + received * 1_000_000_000L / limits.minBodyRate();
  }

  private void arm() {
    long delay = Math.max(0, deadline() - System.nanoTime());
    timer = request.getComponents().getScheduler().schedule(this::expire, delay, TimeUnit.NANOSECONDS);
  }

  /** The timer: moves on if the body kept the rate meanwhile, else answers 408. */
  private void expire() {
    if (finished.get()) {
      return;
    }
    if (System.nanoTime() < deadline()) {
      arm();
      return;
    }
    if (finished.compareAndSet(false, true)) {
      refusals.slowBody();
      OperatorRoutes.problem(request, response, callback, 408, "the request body arrived slower than "
          + limits.minBodyRate() + " bytes per second on average (" + HttpLimits.ENV_HTTP_MIN_BODY_BYTES_PER_SECOND
          + ")", Map.of("Connection", "close"));
    }
  }
}
