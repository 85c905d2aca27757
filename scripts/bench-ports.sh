#!/usr/bin/env bash
# Benchmark `berth ports check PORT` (release build) against `lsof -iTCP -sTCP:LISTEN -P -n`
# and `ss -ltnp`, for a free port and for a port held by a listener started here.
#
#   scripts/bench-ports.sh            (needs: apt-get install -y lsof iproute2 hyperfine)
#
# Prints a markdown table of mean/min/max times; asserts nothing (figures, not a test).
# `berth ports check` on a busy port also names the container through the engine when one
# is reachable; set DOCKER_HOST=unix:///nonexistent to measure it without the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-30}"
for tool in lsof ss hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "bench-ports: $tool missing (apt-get install -y lsof iproute2 hyperfine)" >&2; exit 1; }
done
cargo build --release --bin berth >/dev/null 2>&1 || cargo build --release --bin berth
BERTH="$PWD/target/release/berth"

# A listener to find, held for the duration of the benchmark.
BUSY=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0",0)); print(s.getsockname()[1])')
python3 - "$BUSY" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); time.sleep(3600)
PY
LPID=$!
trap 'kill $LPID 2>/dev/null || true; rm -f "$OUT"' EXIT
FREE=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0",0)); print(s.getsockname()[1])')
for _ in $(seq 1 50); do "$BERTH" ports check "$BUSY" --json | grep -q '"free": false' && break; sleep 0.1; done

OUT=$(mktemp --suffix=.json)
hyperfine --warmup 3 --runs "$RUNS" --export-json "$OUT" -N \
  -n "berth ports check $FREE (free)" "$BERTH ports check $FREE" \
  -n "berth ports check $BUSY (busy)" "$BERTH ports check $BUSY" \
  -n "berth ports check $BUSY (busy, no engine)" "env DOCKER_HOST=unix:///nonexistent $BERTH ports check $BUSY" \
  -n "lsof -iTCP -sTCP:LISTEN -P -n" "lsof -iTCP -sTCP:LISTEN -P -n" \
  -n "ss -ltnp" "ss -ltnp" >/dev/null

echo
echo "Listening TCP sockets on this machine: $(ss -ltn | tail -n +2 | wc -l)"
echo
python3 - "$OUT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("| command | mean (ms) | min (ms) | max (ms) | runs |")
print("|---|---:|---:|---:|---:|")
for x in r:
    print(f"| `{x['command']}` | {x['mean']*1e3:.2f} ± {x['stddev']*1e3:.2f} | {x['min']*1e3:.2f} | {x['max']*1e3:.2f} | {len(x['times'])} |")
PY
