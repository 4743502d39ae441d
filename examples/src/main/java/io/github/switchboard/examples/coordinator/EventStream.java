package io.github.switchboard.examples.coordinator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/*
 * One open GET /api/v1/events stream: a bounded queue of frames and at most one write in flight.
 *
 * Concurrency: offer() is called by any thread (the pool's event thread, the plans' thread, the ticker)
 * and never blocks: it appends under this object's lock and starts a write only when none is in flight.
 * Jetty writes without blocking; when a write completes, its callback writes what was queued meanwhile,
 * all of it in one buffer. A reader that does not keep up lets its queue grow; past maxQueuedBytes the
 * stream is dropped (its connection closed), so one slow reader costs its own buffer and nothing else.
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
  private int queuedBytes;
  private boolean started;
  private boolean writing;
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
      writing = true;
    }
    writeNext();
  }

  /** Queues a frame; drops the stream if its reader is too far behind. Never blocks. */
  void offer(byte[] frame) {
    synchronized (this) {
      if (closed) {
        return;
      }
      if (queuedBytes + frame.length > maxQueuedBytes) {
        closed = true;
        queue.clear();
      } else {
        queue.addLast(frame);
        queuedBytes += frame.length;
        if (writing || !started) {
          return;
        }
        writing = true;
      }
    }
    if (isClosed()) {
      abort(new IOException("the reader of the event stream fell behind by " + maxQueuedBytes
          + " bytes"));
      return;
    }
    writeNext();
  }

  private void writeNext() {
    ByteBuffer buffer;
    synchronized (this) {
      if (closed || queue.isEmpty()) {
        writing = false;
        return;
      }
      buffer = ByteBuffer.allocate(queuedBytes);
      for (byte[] frame : queue) {
        buffer.put(frame);
      }
      buffer.flip();
      queue.clear();
      queuedBytes = 0;
    }
    response.write(false, buffer, Callback.from(this::writeNext, this::abort));
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  /** Ends the stream (the coordinator stops, or the stream failed): closes its connection. */
  void close() {
    synchronized (this) {
      closed = true;
      queue.clear();
    }
    abort(new IOException("the event stream was closed"));
  }

  private void abort(Throwable why) {
    synchronized (this) {
      closed = true;
      queue.clear();
    }
    if (!done.compareAndSet(false, true)) {
      return;
    }
    try {
      EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
      endPoint.close(why);
    } finally {
      onClose.run();
      callback.failed(why);
    }
  }
}
