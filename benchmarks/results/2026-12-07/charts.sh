#!/usr/bin/env bash
# Draws the charts of docs/benchmarks.md (docs/images/bench-*.png) from the JMH JSON they came from, the
# runs of 2026-12-07 in this directory. Needs benchmarks/target/benchmarks.jar
# (./mvnw -B -pl benchmarks -am package -DskipTests); a few seconds, no benchmark is run.
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=benchmarks/results/2026-12-07
chart() {
  java -cp benchmarks/target/benchmarks.jar io.github.switchboard.benchmarks.charts.ChartMain "$@"
}
chart --title "On Redis, 128 decisions in flight, 10,000 keys: decisions per second" \
  "$here/redis-async.json" docs/images
chart --title "On Redis, 4 threads: 10,000 keys and one hot key" "$here/redis-sync-hot-key.json" docs/images
chart --title "In memory, one thread: decisions per second" "$here/in-memory.json" docs/images
chart --log --title "Under a flood: one client over its limit, 4 threads (log scale)" \
  "$here/redis-over-limit.json" docs/images
chart --title "When idle: one decision at a time, microseconds" "$here/redis-idle-latency.json" docs/images
chart --percentiles 50 --title "The decoder pool in memory: select and heartbeat, microseconds" \
  "$here/pool-select.json" docs/images
chart --title "Plans: 100 plans, half the keys on one, against no plans" "$here/plans.json" docs/images
chart --title "The translation cache: a near hit and a Redis hit" "$here/cache.json" docs/images
chart --log --title "Micrometer on a decision, in memory and on Redis (log scale)" "$here/metrics.json" docs/images
