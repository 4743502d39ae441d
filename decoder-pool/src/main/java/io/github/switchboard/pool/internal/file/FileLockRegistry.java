package io.github.switchboard.pool.internal.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/*
 * File locks are held per process, not per channel: a second channel of the same JVM that asks for a lock
 * on the same file gets OverlappingFileLockException, and closing any channel of a file releases every
 * lock the process holds on it. So every FilePoolStore of this JVM on the same lock file shares one channel
 * and one ReentrantLock (taken first, so only one thread at a time asks for the OS lock), reference
 * counted; the channel is closed when the last store lets go. Across processes, the OS lock (fcntl on
 * Linux) does the work.
 */
/** One shared lock per lock file in this JVM: a JVM-wide mutex plus the OS file lock. */
final class FileLockRegistry {
  private static final Map<Path, Handle> HANDLES = new HashMap<>();

  private FileLockRegistry() {}

  /** A reference to the shared lock of one file. */
  static final class Handle {
    private final Path path;
    private final ReentrantLock mutex = new ReentrantLock();
    private final FileChannel channel;
    private int refs;

    private Handle(Path path, FileChannel channel) {
      this.path = path;
      this.channel = channel;
    }

    /** Takes the JVM mutex, then the OS lock. Call {@link Locked#close()} to release both. */
    Locked lock() throws IOException {
      mutex.lock();
      try {
        FileLock lock = channel.lock();
        return () -> {
          try {
            lock.release();
          } finally {
            mutex.unlock();
          }
        };
      } catch (IOException | RuntimeException e) {
        mutex.unlock();
        throw e;
      }
    }

    void release() throws IOException {
      synchronized (HANDLES) {
        if (--refs == 0) {
          HANDLES.remove(path);
          channel.close();
        }
      }
    }
  }

  /** A held lock. */
  interface Locked extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  static Handle acquire(Path lockFile) throws IOException {
    Path key = lockFile.toAbsolutePath().normalize();
    synchronized (HANDLES) {
      Handle h = HANDLES.get(key);
      if (h == null) {
        FileChannel ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        h = new Handle(key, ch);
        HANDLES.put(key, h);
      }
      h.refs++;
      return h;
    }
  }
}
