package io.github.switchboard.pool.internal.events;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.PoolEvent;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** The events that turn one snapshot into another, for stores that resynchronise in full. */
public final class SnapshotDiff {
  private SnapshotDiff() {}

  /**
   * Returns the fine-grained events from {@code before} to {@code after}, all at {@code after}'s revision,
   * in a stable order (removals, then additions and updates, status changes, heartbeats, A/B tests); the
   * caller usually appends {@link PoolEvent#reloaded(long)}.
   *
   * @param before the old snapshot
   * @param after the new snapshot
   * @return the events, empty if nothing changed
   */
  public static List<PoolEvent> events(PoolSnapshot before, PoolSnapshot after) {
    long rev = after.revision();
    List<PoolEvent> out = new ArrayList<>();
    for (String id : new TreeSet<>(before.nodes().keySet())) {
      if (!after.nodes().containsKey(id)) {
        out.add(PoolEvents.nodeRemoved(rev, id));
      }
    }
    for (Map.Entry<String, DecoderNode> e : new TreeMap<>(after.nodes()).entrySet()) {
      String id = e.getKey();
      DecoderNode now = e.getValue();
      DecoderNode old = before.nodes().get(id);
      if (old == null) {
        out.add(PoolEvents.nodeRegistered(rev, now));
      } else if (!old.equals(now)) {
        if (old.withStatus(now.status()).equals(now)) {
          out.add(PoolEvents.statusChanged(rev, id, now.status()));
        } else {
          out.add(PoolEvents.nodeUpdated(rev, now));
        }
      }
    }
    for (Map.Entry<String, NodeRuntime> e : after.runtime().entrySet()) {
      NodeRuntime old = before.runtime().get(e.getKey());
      NodeRuntime now = e.getValue();
      if (now.hasHeartbeat() && (old == null || old.lastHeartbeatMicros() != now.lastHeartbeatMicros())) {
        out.add(PoolEvents.heartbeat(rev, e.getKey(), now.load()));
      }
    }
    for (String name : new TreeSet<>(before.abTests().keySet())) {
      if (!after.abTests().containsKey(name)) {
        out.add(PoolEvents.abTestRemoved(rev, name));
      }
    }
    for (Map.Entry<String, AbTest> e : new TreeMap<>(after.abTests()).entrySet()) {
      AbTest now = e.getValue();
      if (!now.equals(before.abTests().get(e.getKey()))) {
        out.add(PoolEvents.abTestPut(rev, now));
      }
    }
    return out;
  }
}
