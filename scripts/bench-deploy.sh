#!/usr/bin/env bash
# How long a deploy's switch leaves the public port unanswered: a busybox httpd project (no
# registry) is deployed once, then RUNS more times, each time with a client polling the port
# every 10 ms; the longest run of failed requests per deploy is the gap. Also prints each
# deploy's wall time. Needs the engine (bash scripts/start-dockerd.sh) and a built `berth`.
#   BERTH=/path/to/berth (default target/release/berth, else target/debug/berth)
#   RUNS=5 PORT=18799
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH=${BERTH:-$( [ -x target/release/berth ] && echo target/release/berth || echo target/debug/berth )}
RUNS=${RUNS:-5}
PORT=${PORT:-18799}
work=$(mktemp -d)
project="$work/app"
state="$work/state"
mkdir -p "$project"
cp /bin/busybox "$project/busybox"
cleanup() {
  "$BERTH" down --images "$project" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

dockerfile() {
  cat >"$project/Dockerfile" <<EOF
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /www && echo $1 > /www/index.html"]
USER 65534
EXPOSE 8080
HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/"]
CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
EOF
}

deploy() {
  "$BERTH" deploy "$project" --env prod --port "$PORT" --state-dir "$state" --version "$1" --json >"$work/out.json" 2>/dev/null
  python3 -c "import json,sys; d=json.load(open('$work/out.json')); sys.exit(0 if d['outcome']=='deployed' else 1)"
}

dockerfile v0
deploy v0
echo "bench-deploy: $BERTH, $RUNS deploys of a busybox httpd on 127.0.0.1:$PORT, polled every 10 ms"
for i in $(seq 1 "$RUNS"); do
  dockerfile "v$i"
  python3 - "$PORT" "$work/stop" >"$work/gap" <<'EOF' &
import os, socket, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
longest, fail_since, failures = 0.0, None, 0
while not os.path.exists(stop):
    t = time.monotonic()
    ok = False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            ok = s.recv(12).startswith(b"HTTP/1.")
    except OSError:
        pass
    if ok:
        if fail_since is not None:
            longest = max(longest, t - fail_since)
            fail_since = None
    else:
        failures += 1
        fail_since = fail_since if fail_since is not None else t
    time.sleep(0.01)
print(f"{longest * 1000:.0f} {failures}")
EOF
  poller=$!
  start=$(date +%s.%N)
  deploy "v$i"
  end=$(date +%s.%N)
  sleep 0.5
  touch "$work/stop"
  wait "$poller"
  rm -f "$work/stop"
  read -r gap failures <"$work/gap"
  printf 'deploy %d: %.1f s, port unanswered for %s ms (%s failed polls)\n' "$i" "$(echo "$end - $start" | bc)" "$gap" "$failures"
done
