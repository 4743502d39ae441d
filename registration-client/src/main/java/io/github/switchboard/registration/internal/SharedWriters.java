package io.github.switchboard.registration.internal;

import io.github.switchboard.core.RedisBackend;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.PoolWriter;
import java.util.HashMap;
import java.util.Map;

/*
 * The pool writers of this JVM, shared by every registration client that writes to the same pool on an
 * equal RedisBackend (the connection under them is shared by core as for any component of that backend):
 * one writer per (backend, pool) and JVM, however many nodes and clients. Reference-counted: the writer is opened by the first acquire() and closed by the last
 * release(), so a client still closes what it opened as far as anyone can tell.
 *
 * Opening happens under the lock (at most the connect timeout, when Redis is down at the first use); it is
 * rare (once per key), and a second client waiting for the same writer wants that same answer.
 */
/** A JVM-wide, reference-counted set of {@link PoolWriter}s. */
final class SharedWriters {
  private static final Map<Key, Entry> WRITERS = new HashMap<>();

  private SharedWriters() {}

  private record Key(RedisBackend backend, String poolName) {}

  private static final class Entry {
    final PoolWriter writer;
    int users;

    Entry(PoolWriter writer) {
      this.writer = writer;
    }
  }

  /** A use of a shared writer; {@link #close()} gives it back once. */
  static final class Lease implements AutoCloseable {
    private final Key key;
    private final PoolWriter writer;
    private boolean released; // guarded by SharedWriters.WRITERS

    private Lease(Key key, PoolWriter writer) {
      this.key = key;
      this.writer = writer;
    }

    PoolWriter writer() {
      return writer;
    }

    @Override
    public void close() {
      PoolWriter toClose = null;
      synchronized (WRITERS) {
        if (released) {
          return;
        }
        released = true;
        Entry e = WRITERS.get(key);
        if (e != null && e.writer == writer && --e.users == 0) {
          WRITERS.remove(key);
          toClose = writer;
        }
      }
      if (toClose != null) {
        toClose.close();
      }
    }
  }

  /**
   * Returns a lease on the writer of a pool, opening it if no client of this JVM holds it.
   *
   * @throws IllegalArgumentException if the pool name breaks its rule
   */
  static Lease acquire(RedisBackend backend, String poolName) {
    Key key = new Key(backend, poolName);
    synchronized (WRITERS) {
      Entry e = WRITERS.get(key);
      if (e == null) {
        e = new Entry(DecoderPools.writer(backend, poolName));
        WRITERS.put(key, e);
      }
      e.users++;
      return new Lease(key, e.writer);
    }
  }
}
