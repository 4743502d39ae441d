package io.github.switchboard.pool.internal.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** What the file store last saw of one of its files on disk, to read the file only when it changed. */
final class DiskCopy {
  private @Nullable Object fileKey;
  private long size = -1;
  private long mtime = Long.MIN_VALUE;
  private byte @Nullable [] bytes;
  private boolean exists;

  /** Returns the file's bytes if it changed since the last read (empty array: it no longer exists). */
  byte @Nullable [] readIfChanged(Path path, boolean full) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      if (!exists && size != -1) {
        return null;
      }
      boolean first = size == -1;
      exists = false;
      size = 0;
      bytes = null;
      fileKey = null;
      return first && !full ? null : new byte[0];
    }
    long modified = attrs.lastModifiedTime().to(TimeUnit.MICROSECONDS);
    if (!full && exists && attrs.size() == size && modified == mtime
        && Objects.equals(attrs.fileKey(), fileKey)) {
      return null;
    }
    byte[] read;
    try {
      read = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return null; // renamed away between the two calls; the next poll sees the new file
    }
    size = attrs.size();
    mtime = modified;
    fileKey = attrs.fileKey();
    boolean same = exists && bytes != null && Arrays.equals(read, bytes);
    exists = true;
    bytes = read;
    return same ? null : read;
  }

  /** Whether the file existed when last seen. */
  boolean exists() {
    return exists;
  }

  /** Records what was just written. */
  void remember(Path path, byte[] bytes) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
    exists = true;
    this.bytes = bytes;
    size = attrs.size();
    mtime = attrs.lastModifiedTime().to(TimeUnit.MICROSECONDS);
    fileKey = attrs.fileKey();
  }
}
