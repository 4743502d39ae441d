package io.github.switchboard.core.testing;

import java.nio.file.Path;
import java.util.List;

/** One running redis-server (or Sentinel) process, local or in a container. */
interface Node {

  /** The process id on this machine, or -1 when unknown (a container). */
  long pid();

  boolean isAlive();

  /** SIGKILL; returns once the process is gone. */
  void kill();

  /** SIGSTOP. */
  void pause();

  /** SIGCONT. */
  void resume();

  /** Runs redis-cli with these arguments where this node runs; returns stdout (and stderr). */
  String cli(List<String> args);

  /** Starts nodes. */
  interface Runtime {
    /** Starts {@code redis-server args...} in {@code dir}; does not wait for readiness. */
    Node start(Path dir, List<String> args, String label);

    /** A short description for messages. */
    String describe();
  }
}
