#!/usr/bin/env bash
# Quick mode: the headline set behind every target in docs/benchmarks.md, in about 4.5 minutes on 2 cores
# (38 trials; 1 fork, 2 warm-up iterations of 1 s, 3 measured iterations of 1 s, -prof gc):
#   - InMemoryBenchmark.oneThread: every in-memory limiter, one hot key and 10,000 keys;
#   - RedisAsyncBenchmark: every Redis limiter and the raw EVALSHA ceilings, 128 in flight;
#   - RedisSyncBenchmark.fourThreads and RedisHotKeyBenchmark: Switchboard, Bucket4j and Redisson;
#   - RedisOverLimitBenchmark: one client over its limit, with and without the local deny cache;
#   - RedisIdleLatencyBenchmark: one thread, one decision at a time (p50/p99), Switchboard (token bucket,
#     with and without coalescing, without blocking connections, and the log), Bucket4j and Redisson;
#   - CacheBenchmark: the translation cache's near hit (beside Redisson's RLocalCachedMap and Caffeine),
#     Redis hit, 128 in flight (beside Redisson's RMap and RBucket and a raw Lettuce GET) and miss
#     (near cache off and on), with its own warm-up (see below); it prints MEMORY USAGE of one entry
#     (about 3.5 minutes);
#   - PoolSelectBenchmark.select with 10,000 nodes all serving the pair (median and bytes per call), and
#     PoolFleetBenchmark, 4 coordinators on one redis-server, the simulated nodes in a child JVM: 10,000
#     nodes (propagation, registration storm) and a cold start of 20,000 (until every coordinator sees
#     every node, failed keep-alives, nodes registered twice, a coordinator started late), and
#     PoolFleetApi, registration through the example coordinator's HTTP API into a 10,000-node pool, their
#     Markdown tables appended to the text (about 3 minutes; issue 23);
#   - RedisCpuMain (not JMH): Redis CPU, commands and scripts per decision, on one redis-server and on a
#     local 3-master Cluster it starts itself, for Switchboard's 4 algorithms, the raw EVALSHA of each,
#     Bucket4j and Redisson, 128 in flight on 10,000 keys, 3 s warm-up and 5 s measured each (about
#     3.5 minutes; issue 22).
# (about 16 minutes in all)
# Results go to benchmarks/results/quick-<date>.json (JMH's JSON, the three runs merged) and
# quick-<date>.txt (the summary tables). Needs redis-server on the PATH, or REDIS_URL naming a throw-away
# server (it is flushed before every trial). Extra arguments are passed to every JMH run.
#
# --charts (first argument): also draw each run's chart from its JSON into docs/images/bench-<run>.png
# (the chart tool, io.github.switchboard.benchmarks.charts.ChartMain; a few seconds, no extra benchmark):
#   benchmarks/run-quick.sh --charts
#
# The full mode is the benchmarks' own settings (2 forks, 3 x 2 s warm-up, 5 x 2 s measured), every
# benchmark, thread count and limiter, about 45 minutes:
#   java -jar benchmarks/target/benchmarks.jar -prof gc -rf json -rff benchmarks/results/full-<date>.json
set -euo pipefail
cd "$(dirname "$0")/.."

jar=benchmarks/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  ./mvnw -B -q -pl benchmarks -am package -Dmaven.test.skip=true
fi

quick=(-prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s)
peers='SWITCHBOARD_REDIS_TOKEN_BUCKET,SWITCHBOARD_REDIS_TOKEN_BUCKET_UNCOALESCED,SWITCHBOARD_REDIS_TOKEN_BUCKET_SHARED_CONNECTION,SWITCHBOARD_REDIS_FIXED_WINDOW,SWITCHBOARD_REDIS_SLIDING_WINDOW_COUNTER,SWITCHBOARD_REDIS_SLIDING_WINDOW_LOG,BUCKET4J_LETTUCE,REDISSON'

stamp=$(date -u +%Y-%m-%d)
mkdir -p benchmarks/results benchmarks/target/quick
json="benchmarks/results/quick-$stamp.json"
text="benchmarks/results/quick-$stamp.txt"
: > "$text"

run() { # name, then JMH arguments
  local name=$1
  shift
  local cmd=(java -jar "$jar" "$@" "${quick[@]}" -rf json -rff "benchmarks/target/quick/$name.json" ${EXTRA[@]+"${EXTRA[@]}"})
  echo "# ${cmd[*]}" | tee -a "$text"
  "${cmd[@]}" | tee "benchmarks/target/quick/$name.log"
  # the summary table, keeping only bytes per operation of the GC profiler's rows
  sed -n '/^Benchmark  /,$p' "benchmarks/target/quick/$name.log" \
    | grep -vE ':gc\.(alloc\.rate|count|time|churn[^ ]*) |^Benchmark result is saved' >> "$text"
  echo >> "$text"
}

charts=0
if [ "${1:-}" = "--charts" ]; then
  charts=1
  shift
fi
EXTRA=("$@")
run in-memory 'InMemoryBenchmark.oneThread'
run redis-async 'RedisAsyncBenchmark'
run redis-sync-hot-key 'RedisSyncBenchmark.fourThreads|RedisHotKeyBenchmark' -p "limiter=$peers"
run redis-over-limit 'RedisOverLimitBenchmark'
run redis-idle-latency 'RedisIdleLatencyBenchmark' \
  -p limiter=SWITCHBOARD_REDIS_TOKEN_BUCKET,SWITCHBOARD_REDIS_TOKEN_BUCKET_UNCOALESCED,SWITCHBOARD_REDIS_TOKEN_BUCKET_SHARED_CONNECTION,SWITCHBOARD_REDIS_SLIDING_WINDOW_LOG,BUCKET4J_LETTUCE,REDISSON
# The cache's Redis scenarios speed up for 10 to 15 s on 2 cores (the JIT compiling beside them), so they
# keep their own warm-up (CacheBenchmark's annotations: near 3 x 1 s, Redis 8 x 2 s); measured as the rest.
quick=(-prof gc -f 1 -i 3 -r 1s)
run cache 'CacheBenchmark'
# what the cache trials print: MEMORY USAGE of one entry, and Switchboard's counters of each trial
grep -E '^(MEMORY USAGE|Switchboard cache \()' benchmarks/target/quick/cache.log >> "$text" || true
quick=(-prof gc -f 1 -wi 2 -w 1s -i 3 -r 1s)
run pool-select 'PoolSelectBenchmark.select$' -p nodes=10000 -p serving=all -bm sample
# the decoder pool at fleet scale (not JMH: each run prints one Markdown table)
fleet() {
  local cmd=(java -Xmx6g -cp "$jar" io.github.switchboard.benchmarks.PoolFleetBenchmark "$@")
  echo "# ${cmd[*]}" | tee -a "$text"
  "${cmd[@]}" | tee -a "$text"
  echo >> "$text"
}
fleet --nodes=10000 --warmup=5 --seconds=10 --samples=200 --storm=2000
fleet --nodes=20000 --cold-start=1 --late=1 --warmup=5 --seconds=10 --samples=200 --storm=2000
fleet_api=(java -cp "$jar" io.github.switchboard.benchmarks.PoolFleetApi --pool=10000 --count=2000 --rounds=4 \
  --warmup=1 --in-flight=32)
echo "# ${fleet_api[*]}" | tee -a "$text"
"${fleet_api[@]}" | tee -a "$text"
echo >> "$text"
# Redis CPU per decision, standalone and Cluster (not JMH: one Markdown table and the issue's ratios)
redis_cpu=(java -cp "$jar" io.github.switchboard.benchmarks.RedisCpuMain --seconds=5 --warmup=3)
echo "# ${redis_cpu[*]}" | tee -a "$text"
"${redis_cpu[@]}" | tee -a "$text"
echo >> "$text"

# JMH writes a JSON array per run; merge them into one array.
{
  echo "["
  first=1
  for f in in-memory redis-async redis-sync-hot-key redis-over-limit redis-idle-latency cache pool-select; do
    [ "$first" = 1 ] || echo ","
    sed -e '/^\[$/d' -e '/^\]$/d' -e '/^$/d' "benchmarks/target/quick/$f.json"
    first=0
  done
  echo "]"
} > "$json"
echo "saved $json and $text"

if [ "$charts" = 1 ]; then
  chart() { # run name, then ChartMain options
    local name=$1
    shift
    java -cp "$jar" io.github.switchboard.benchmarks.charts.ChartMain "$@" \
      "benchmarks/target/quick/$name.json" docs/images
  }
  chart in-memory --title "In memory, one thread: decisions per second"
  chart redis-async --title "On Redis, 128 decisions in flight, 10,000 keys: decisions per second"
  chart redis-sync-hot-key --title "On Redis, 4 threads: 10,000 keys and one hot key"
  chart redis-over-limit --log --title "Under a flood: one client over its limit, 4 threads"
  chart redis-idle-latency --title "When idle: one decision at a time, microseconds"
  chart cache --modes thrpt --title "The translation cache"
fi
