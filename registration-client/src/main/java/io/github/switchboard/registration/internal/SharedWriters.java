package io.github.switchboard.registration.internal;

import io.github.switchboard.core.RedisOptions;
import io.github.switchboard.core.RedisTarget;
import io.github.switchboard.pool.DecoderPools;
import io.github.switchboard.pool.PoolWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/*
 * The pool writers of this JVM, shared by every registration client that writes to the same pool on the
 * same Redis with the same options: one Redis connection per (Redis, pool, options) and JVM, however many
 * nodes and clients. Reference-counted: the writer is opened by the first acquire() and closed by the last
 * release(), so a client still closes what it opened as far as anyone can tell.
 *
 * Opening happens under the lock (at most the connect timeout, when Redis is down at the first use); it is
 * rare (once per key), and a second client waiting for the same writer wants that same answer.
 */
/** A JVM-wide, reference-counted set of {@link PoolWriter}s. */
final class SharedWriters {
  private static final Map<Key, Entry> WRITERS = new HashMap<>();

  private SharedWriters() {}

  private record Key(RedisTarget target, String poolName, Duration commandTimeout, Duration connectTimeout,
      Optional<Path> trustedCertificate) {}

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
  static Lease acquire(RedisTarget target, String poolName, RedisOptions options) {
    Key key = new Key(target, poolName, options.commandTimeout(), options.connectTimeout(),
        options.trustedCertificate());
    synchronized (WRITERS) {
      Entry e = WRITERS.get(key);
      if (e == null) {
        e = new Entry(DecoderPools.writer(target, poolName, options));
        WRITERS.put(key, e);
      }
      e.users++;
      return new Lease(key, e.writer);
    }
  }
}
