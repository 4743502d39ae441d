package io.github.switchboard.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/*
 * Every node and every open deployment of this JVM, so that a JVM shutdown hook can stop what a test
 * left running (a failed test, a shared deployment, an exit without close()). A SIGKILL of the JVM
 * itself runs no hook: those servers are found afterwards with `pgrep -f switchboard-harness`.
 */
final class Processes {
  private static final Set<Node> LIVE = ConcurrentHashMap.newKeySet();
  private static final Set<RedisDeployment> OPEN = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRS = ConcurrentHashMap.newKeySet();
  private static volatile boolean shuttingDown;

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(Processes::shutdown, "switchboard-harness-shutdown"));
  }

  private Processes() {}

  static void register(Node n) {
    LIVE.add(n);
  }

  static void unregister(Node n) {
    LIVE.remove(n);
  }

  static void opened(RedisDeployment d) {
    OPEN.add(d);
  }

  static void closed(RedisDeployment d) {
    OPEN.remove(d);
  }

  static Path newDir(String prefix) {
    try {
      Path dir = Files.createTempDirectory("switchboard-harness-" + prefix + "-");
      DIRS.add(dir);
      return dir;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot create a temporary directory", e);
    }
  }

  static void deleteDir(Path dir) {
    DIRS.remove(dir);
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }

  static boolean isShuttingDown() {
    return shuttingDown;
  }

  /** Pids of the local processes this JVM started and that are still registered. */
  static Set<Long> livePids() {
    return LIVE.stream().map(Node::pid).filter(p -> p > 0).collect(Collectors.toSet());
  }

  /** Processes started by this JVM, tagged by the harness, that no registered node owns. */
  static List<ProcessHandle> strays() {
    Set<Long> owned = livePids();
    List<ProcessHandle> strays = new ArrayList<>();
    ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(h -> !owned.contains(h.pid()))
        .filter(h -> commandLine(h.pid()).contains(RedisHarness.PROCESS_TAG))
        .forEach(strays::add);
    return strays;
  }

  /** All live processes started by this JVM tagged by the harness. */
  static List<ProcessHandle> tagged() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(h -> commandLine(h.pid()).contains(RedisHarness.PROCESS_TAG))
        .collect(Collectors.toList());
  }

  /**
   * The command line as ps shows it. Redis rewrites its argv with the process title, which
   * ProcessHandle.Info does not show, so this reads /proc (Linux) or asks ps.
   */
  static String commandLine(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid), "cmdline");
    try {
      if (Files.exists(proc)) {
        return new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' ');
      }
    } catch (IOException e) {
      // gone, or not Linux
    }
    try {
      return LocalRuntime.run(List.of("ps", "-o", "args=", "-p", Long.toString(pid)), 10);
    } catch (RuntimeException e) {
      return "";
    }
  }

  private static void shutdown() {
    shuttingDown = true;
    for (RedisDeployment d : List.copyOf(OPEN)) {
      try {
        if (d instanceof RedisServer s) {
          s.closeNow();
        } else if (d instanceof RedisSentinel s) {
          s.closeNow();
        } else if (d instanceof RedisCluster c) {
          c.closeNow();
        }
      } catch (RuntimeException e) {
        // keep going
      }
    }
    for (Node n : List.copyOf(LIVE)) {
      try {
        n.kill();
      } catch (RuntimeException e) {
        // keep going
      }
    }
    for (Path dir : List.copyOf(DIRS)) {
      deleteDir(dir);
    }
  }
}
