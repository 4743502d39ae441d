package io.github.switchboard.core.testing;

/** The kinds of Redis deployment the harness starts. */
public enum Topology {
  /** One redis-server (or the server named by {@code REDIS_URL}). */
  STANDALONE,
  /** A master, one replica and three Sentinels. */
  SENTINEL,
  /** A Cluster of three masters with all 16384 slots assigned. */
  CLUSTER,
  /** One redis-server whose default user is off and whose only user has a password. */
  ACL,
  /** One redis-server that speaks only TLS, with a certificate generated at test time. */
  TLS
}
