package io.github.switchboard.pool.internal.redis;

/**
 * The Redis keys of one pool, in the orders the scripts take them. Every key carries the hash tag
 * {@code {NAME}}, so one pool lives in one Cluster slot.
 */
final class RedisPoolKeys {
  /** {@code switchboard:pool:{NAME}:}. */
  final String prefix;
  /** pool_apply.lua: nodes, state, abtests, rev, updated, heartbeats, settings. */
  final String[] apply;
  /** pool_page.lua (a full read, page by page): nodes, state, abtests, rev, epoch. */
  final String[] snapshot;
  /** pool_seed.lua: nodes, state, abtests, rev, updated, heartbeats, epoch. */
  final String[] seed;
  /** pool_pull.lua: heartbeats, state. */
  final String[] pull;
  /** The pool's settings hash ({@code stale_after}: when a heartbeat is published, see pool_apply.lua). */
  final String settings;
  /** The revision; missing means Redis does not have the pool. */
  final String rev;
  /** The sweeper's lease. */
  final String lease;
  /** The pub/sub channel of changes. */
  final String channel;

  RedisPoolKeys(String poolName) {
    this.prefix = RedisPoolStore.keyPrefix(poolName);
    this.apply = new String[] {
      prefix + "nodes", prefix + "state", prefix + "abtests", prefix + "rev", prefix + "updated",
      prefix + "heartbeats", prefix + "settings"
    };
    this.snapshot = new String[] {apply[0], apply[1], apply[2], apply[3], prefix + "epoch"};
    this.seed = new String[] {apply[0], apply[1], apply[2], apply[3], apply[4], apply[5], prefix + "epoch"};
    this.rev = apply[3];
    this.pull = new String[] {apply[5], apply[1]};
    this.settings = apply[6];
    this.lease = prefix + "sweeper";
    this.channel = prefix + "events";
  }

  /** The node hash. */
  String nodes() {
    return apply[0];
  }

  /** The runtime hash. */
  String state() {
    return apply[1];
  }

  /** The A/B test hash. */
  String abTests() {
    return apply[2];
  }
}
