package io.github.switchboard.pool.internal.redis;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.PoolFormatException;
import io.github.switchboard.pool.internal.codec.PoolCodec;
import io.github.switchboard.pool.internal.snapshot.PoolSnapshot;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Turns the three hashes of a pool read from Redis into a snapshot. A value that does not parse (someone
 * HSETs garbage) is reported once at WARN with its key, field and the rule it breaks (reportedBad holds
 * the signatures already reported, and forgets those no longer bad); the last good copy of that item
 * stays; the problem is added to the list a reload() fails with. Nothing is written back to Redis.
 *
 * Logs under RedisPoolStore's logger, as the rest of the store does.
 */
/** Reads a snapshot from the raw hashes of a Redis pool, keeping the last good copy of malformed values. */
final class PoolSnapshotReader {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPoolStore.class);

  private final RedisPoolKeys keys;
  private final PoolSnapshot last;
  private final Set<String> reportedBad;
  private final String poolName;
  private final Set<String> stillBad = new HashSet<>();

  PoolSnapshotReader(RedisPoolKeys keys, PoolSnapshot last, Set<String> reportedBad, String poolName) {
    this.keys = keys;
    this.last = last;
    this.reportedBad = reportedBad;
    this.poolName = poolName;
  }

  PoolSnapshot read(long rev, Map<String, String> rawNodes, Map<String, String> rawState,
      Map<String, String> rawTests, List<String> problems) {
    Map<String, DecoderNode> nodes = new HashMap<>();
    Set<String> configured = new HashSet<>();
    for (Map.Entry<String, String> e : rawNodes.entrySet()) {
      readNode(e.getKey(), e.getValue(), nodes, configured, problems);
    }
    Map<String, NodeRuntime> runtime = new HashMap<>();
    for (Map.Entry<String, String> e : rawState.entrySet()) {
      String id = e.getKey();
      if (!nodes.containsKey(id)) {
        continue;
      }
      try {
        runtime.put(id, PoolCodec.readRuntime(e.getValue()));
      } catch (PoolFormatException ex) {
        NodeRuntime good = last.runtime().get(id);
        if (good != null) {
          runtime.put(id, good);
        }
        report(keys.state(), id, e.getValue(), ex, good != null, problems);
      }
    }
    Map<String, AbTest> tests = new HashMap<>();
    for (Map.Entry<String, String> e : rawTests.entrySet()) {
      readAbTest(e.getKey(), e.getValue(), tests, problems);
    }
    reportedBad.retainAll(stillBad);
    return PoolSnapshot.of(rev, nodes, runtime, tests, configured);
  }

  private void readNode(String id, String value, Map<String, DecoderNode> nodes, Set<String> configured,
      List<String> problems) {
    try {
      PoolCodec.StoredNode sn = PoolCodec.readStoredNode(value);
      if (!sn.node().nodeId().equals(id)) {
        throw new PoolFormatException("node_id '" + sn.node().nodeId() + "' differs from its field", null);
      }
      nodes.put(id, sn.node());
      if (sn.configured()) {
        configured.add(id);
      }
    } catch (PoolFormatException ex) {
      DecoderNode good = last.node(id);
      if (good != null) {
        nodes.put(id, good);
        if (last.isConfigured(id)) {
          configured.add(id);
        }
      }
      report(keys.nodes(), id, value, ex, good != null, problems);
    }
  }

  private void readAbTest(String name, String value, Map<String, AbTest> tests, List<String> problems) {
    try {
      AbTest t = PoolCodec.readAbTest(value);
      if (!t.name().equals(name)) {
        throw new PoolFormatException("name '" + t.name() + "' differs from its field", null);
      }
      tests.put(name, t);
    } catch (PoolFormatException ex) {
      AbTest good = last.abTests().get(name);
      if (good != null) {
        tests.put(name, good);
      }
      report(keys.abTests(), name, value, ex, good != null, problems);
    }
  }

  private void report(String key, String field, String value, PoolFormatException ex, boolean kept,
      List<String> problems) {
    String problem = "Redis key " + key + " field '" + field + "': " + ex.getMessage();
    problems.add(problem);
    String signature = key + '\u0000' + field + '\u0000' + value.hashCode();
    stillBad.add(signature);
    if (reportedBad.add(signature)) {
      LOG.warn("pool '{}': {}; {} (the value in Redis is left as it is)", poolName, problem,
          kept ? "keeping the last good copy" : "ignoring it (no good copy known)");
    }
  }
}
