#!/bin/sh
# Load figures of the example coordinator (docs/benchmarks.md, "Example coordinator: HTTP server").
# usage: examples/load/coordinator-load.sh CLASSPATH LABEL
#   CLASSPATH: the coordinator's classes and dependencies, e.g. examples/target/example-coordinator.jar
# Starts a stub decoder node on 127.0.0.1:9001 (answers its health checks), a coordinator on
# 127.0.0.1:18002 (in-memory limiter, limits out of the way), registers the node, then measures
# POST /api/v1/route: wrk at full speed (needs wrk: apt-get install wrk), then the fixed-rate driver
# CoordinatorLoad at 150/s and 1,000/s. Loopback only; every run is bounded in time.
set -eu
CP="$1"; LABEL="$2"; D=$(mktemp -d); PORT=18002; TOKEN=bench-token-0123456789abcdef
HERE=$(cd "$(dirname "$0")" && pwd)
python3 -c '
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = b"{\"status\": \"ok\"}"
        self.send_response(200); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", 9001), H).serve_forever()' & STUB=$!
HOST=127.0.0.1 PORT=$PORT COORDINATOR_API_TOKEN=$TOKEN POOL_CONFIG_PATH=$D/pool.json \
  RATE_LIMIT_PER_MINUTE=1000000000 RATE_LIMIT_PER_HOUR=1000000000 \
  java -Xmx512m -cp "$CP" io.github.switchboard.examples.coordinator.CoordinatorMain > $D/out 2> $D/err &
PID=$!
trap 'kill $PID $STUB 2>/dev/null; rm -rf $D' EXIT
for i in $(seq 1 100); do grep -q listening $D/out 2>/dev/null && break; sleep 0.2; done
curl -s -o /dev/null -w "register %{http_code}\n" -X POST http://127.0.0.1:$PORT/api/v1/decoders \
  -H "Authorization: Bearer $TOKEN" \
  -d '{"node_id":"d1","endpoint":"http://127.0.0.1:9001","languages":["en","es"],"capacity":100}'
cat > $D/route.lua <<'L'
wrk.method = "POST"
wrk.headers["X-API-Key"] = "load-test"
wrk.headers["X-Source-Language"] = "en"
wrk.headers["X-Target-Language"] = "es"
L
echo "== $LABEL: warm-up"; wrk -t2 -c16 -d5s -s $D/route.lua http://127.0.0.1:$PORT/api/v1/route > /dev/null
echo "== $LABEL: wrk -t2 -c16 -d10s --latency (full speed)"
wrk -t2 -c16 -d10s --latency -s $D/route.lua http://127.0.0.1:$PORT/api/v1/route \
  | grep -E "Req/Sec|requests in|Requests/sec|50%|99%|Non-2xx|Socket"
for RATE in 150 1000; do
  echo "== $LABEL: fixed rate $RATE/s, 16 connections, 10 s"
  java "$HERE/../src/test/java/io/github/switchboard/examples/coordinator/CoordinatorLoad.java" \
    http://127.0.0.1:$PORT $RATE 10 16
done
