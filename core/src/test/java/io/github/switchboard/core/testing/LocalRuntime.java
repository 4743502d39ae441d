package io.github.switchboard.core.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs redis-server and redis-cli found on the PATH. */
final class LocalRuntime implements Node.Runtime {
  private final Path redisServer;

  LocalRuntime(Path redisServer) {
    this.redisServer = redisServer;
  }

  /** Finds an executable on the PATH. */
  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  @Override
  public Node start(Path dir, List<String> args, String label) {
    List<String> cmd = new ArrayList<>();
    cmd.add(redisServer.toString());
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()));
    try {
      Process p = pb.start();
      LocalNode n = new LocalNode(p, label);
      Processes.register(n);
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + redisServer, e);
    }
  }

  @Override
  public String describe() {
    return redisServer.toString();
  }

  static String run(List<String> cmd, long timeoutSeconds) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out;
      // read in a helper thread so that a hung command cannot block us beyond the timeout
      java.util.concurrent.CompletableFuture<byte[]> reader =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                  return new byte[0];
                }
              });
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "command timed out after " + timeoutSeconds + " s: " + redactCommand(cmd));
      }
      out = reader.get(5, TimeUnit.SECONDS);
      return new String(out, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + redactCommand(cmd), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + redactCommand(cmd), e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot read the output of " + redactCommand(cmd), e);
    }
  }

  /** The command line with the value after --pass/-a replaced by ***. */
  static String redactCommand(List<String> cmd) {
    List<String> shown = new ArrayList<>(cmd);
    for (int i = 0; i + 1 < shown.size(); i++) {
      if (shown.get(i).equals("--pass") || shown.get(i).equals("-a")) {
        shown.set(i + 1, "***");
      }
    }
    return String.join(" ", shown);
  }

  static final class LocalNode implements Node {
    private final Process process;
    private final String label;

    LocalNode(Process process, String label) {
      this.process = process;
      this.label = label;
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public void kill() {
      // children first (a fork for a replica sync), then the server itself
      process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException(label + " (pid " + pid() + ") did not die within 10 s of SIGKILL");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Processes.unregister(this);
    }

    @Override
    public void pause() {
      signal("STOP");
    }

    @Override
    public void resume() {
      signal("CONT");
    }

    private void signal(String sig) {
      String out = run(List.of("kill", "-" + sig, Long.toString(pid())), 10);
      if (!process.isAlive()) {
        throw new IllegalStateException(label + " is not running; cannot send SIG" + sig + ": " + out);
      }
    }

    @Override
    public String cli(List<String> args) {
      List<String> cmd = new ArrayList<>();
      cmd.add(LocalRuntime.onPath("redis-cli").map(Path::toString).orElse("redis-cli"));
      cmd.addAll(args);
      return run(cmd, 60);
    }

    @Override
    public String toString() {
      return label + " (pid " + pid() + ")";
    }
  }
}
