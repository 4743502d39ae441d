package io.github.switchboard.core.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/*
 * Free ports for the servers. Ports are drawn at random from 10000..21999, below the kernel's ephemeral
 * range (32768..60999 on Linux), so that the outgoing connections of this and other processes never take
 * a port a killed server will be restarted on; a Cluster node's bus port (port + 10000, 20000..31999) is
 * below it too. A port is checked free by binding it (ServerSocket, then closed), and never handed out
 * twice in one JVM. Another JVM may still race for the same port between the check and the server's
 * bind: starting a server retries on a new port when it fails to bind.
 */
final class Ports {
  static final int LOW = 10000;
  static final int HIGH = 22000;
  static final int BUS_OFFSET = 10000;

  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private Ports() {}

  static synchronized int free(boolean withBus) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 500; attempt++) {
      int p = rnd.nextInt(LOW, HIGH);
      if (HANDED_OUT.contains(p) || (withBus && HANDED_OUT.contains(p + BUS_OFFSET))) {
        continue;
      }
      if (isFree(p) && (!withBus || isFree(p + BUS_OFFSET))) {
        HANDED_OUT.add(p);
        if (withBus) {
          HANDED_OUT.add(p + BUS_OFFSET);
        }
        return p;
      }
    }
    throw new IllegalStateException("no free port pair found in " + LOW + ".." + HIGH);
  }

  static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
