package io.github.switchboard.core.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/*
 * Runs each node in its own redis:7 container on the host network (so addresses are 127.0.0.1:port
 * exactly as for local processes, which Sentinel and Cluster announcements need), with its working
 * directory bind-mounted at the same path, and redis-server as the entrypoint (as root, so that it can
 * write to the mounted directory). Pause and resume are docker pause/unpause (the cgroup freezer: the
 * process stops answering, like SIGSTOP); kill is docker kill. Needs a Linux Docker engine with host
 * networking. Referenced only when Docker is chosen, so modules without Testcontainers on the class path
 * work as long as redis-server is installed.
 */
final class DockerRuntime implements Node.Runtime {
  static final String IMAGE = "redis:7";

  static boolean available() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      return false;
    }
  }

  @Override
  public Node start(Path dir, List<String> args, String label) {
    GenericContainer<?> c =
        new GenericContainer<>(DockerImageName.parse(IMAGE))
            .withNetworkMode("host")
            .withFileSystemBind(dir.toString(), dir.toString(), BindMode.READ_WRITE)
            .withWorkingDirectory(dir.toString())
            .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("redis-server"))
            .withCommand(args.toArray(String[]::new))
            .withStartupTimeout(Duration.ofSeconds(120))
            .waitingFor(
                new AbstractWaitStrategy() {
                  @Override
                  protected void waitUntilReady() {
                    // the harness waits for PING itself
                  }
                });
    c.start();
    DockerNode n = new DockerNode(c, label);
    Processes.register(n);
    return n;
  }

  @Override
  public String describe() {
    return "Testcontainers " + IMAGE;
  }

  static final class DockerNode implements Node {
    private final GenericContainer<?> container;
    private final String label;

    DockerNode(GenericContainer<?> container, String label) {
      this.container = container;
      this.label = label;
    }

    @Override
    public long pid() {
      return -1;
    }

    @Override
    public boolean isAlive() {
      return container.isRunning();
    }

    @Override
    public void kill() {
      try {
        container.getDockerClient().killContainerCmd(container.getContainerId()).exec();
      } catch (RuntimeException e) {
        // already dead
      }
      container.stop();
      Processes.unregister(this);
    }

    @Override
    public void pause() {
      container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void resume() {
      container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public String cli(List<String> args) {
      List<String> cmd = new ArrayList<>();
      cmd.add("redis-cli");
      cmd.addAll(args);
      try {
        Container.ExecResult r = container.execInContainer(cmd.toArray(String[]::new));
        return (r.getStdout() + r.getStderr()).strip();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return label + " (container " + container.getContainerId() + ")";
    }
  }
}
