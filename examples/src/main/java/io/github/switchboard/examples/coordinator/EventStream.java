package io.github.switchboard.examples.coordinator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/*
 * One open GET /api/v1/events stream: a bounded queue of frames and at most one write in flight.
 *
 * Concurrency: offer() is called by any thread (the pool's event thread, the plans' thread, the ticker)
 * and never blocks: it appends under this object's lock and asks the flusher to iterate. The flusher is
 * Jetty's IteratingCallback: one write at a time, each one taking everything queued so far in one buffer,
 * without recursion when a write completes at once, and without a thread of its own while the reader is
 * slow (Jetty writes without blocking and calls back when the socket takes more). A reader that does not
 * keep up lets its queue grow; past maxQueuedBytes the stream is dropped (its connection closed), so one
 * slow reader costs its own buffer and nothing else.
 */
/** One server-sent event stream, fed by {@link EventStreams}. */
final class EventStream {
  private final Request request;
  private final Response response;
  private final Callback callback;
  private final int maxQueuedBytes;
  private final Runnable onClose;
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private final AtomicBoolean done = new AtomicBoolean();
  private final Flusher flusher = new Flusher();
  private int queuedBytes;
  private boolean started;
  private boolean closed;

  EventStream(Request request, Response response, Callback callback, int maxQueuedBytes, Runnable onClose) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.maxQueuedBytes = maxQueuedBytes;
    this.onClose = onClose;
  }

  /** Writes the first frame (the snapshot), then everything queued since the stream was created. */
  void start(byte[] first) {
    synchronized (this) {
      if (closed) {
        return;
      }
      queue.addFirst(first);
      queuedBytes += first.length;
      started = true;
    }
    flusher.iterate();
  }

  /** Queues a frame; drops the stream if its reader is too far behind. Never blocks. */
  void offer(byte[] frame) {
    boolean behind;
    synchronized (this) {
      if (closed) {
        return;
      }
      behind = queuedBytes + frame.length > maxQueuedBytes;
      if (!behind) {
        queue.addLast(frame);
        queuedBytes += frame.length;
        if (!started) {
          return;
        }
      }
    }
    if (behind) {
      abort(new IOException("the reader of the event stream fell behind by " + maxQueuedBytes + " bytes"));
    } else {
      flusher.iterate();
    }
  }

  /** Ends the stream (the coordinator stops): closes its connection. */
  void close() {
    abort(new IOException("the event stream was closed"));
  }

  private void abort(Throwable why) {
    synchronized (this) {
      closed = true;
      queue.clear();
      queuedBytes = 0;
    }
    if (!done.compareAndSet(false, true)) {
      return;
    }
    try {
      request.getConnectionMetaData().getConnection().getEndPoint().close(why);
    } finally {
      onClose.run();
      callback.failed(why);
    }
  }

  /** Writes what is queued, one write at a time. */
  private final class Flusher extends IteratingCallback {
    @Override
    protected Action process() {
      ByteBuffer buffer;
      synchronized (EventStream.this) {
        if (closed || queue.isEmpty()) {
          return Action.IDLE;
        }
        buffer = ByteBuffer.allocate(queuedBytes);
        for (byte[] frame : queue) {
          buffer.put(frame);
        }
        buffer.flip();
        queue.clear();
        queuedBytes = 0;
      }
      response.write(false, buffer, this);
      return Action.SCHEDULED;
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      abort(cause);
    }
  }
}
