#!/usr/bin/env bash
# Benchmark (not a test): what the desktop app costs while it charts live stats. Starts 20
# tiny busybox containers, runs the release app under Xvfb on its Containers view
# (BERTH_VIEW=containers), waits a warm-up, then over the same window measures
#   - the CPU time (utime+stime from /proc/<pid>/stat, delta over the window) and the RSS
#     (VmRSS, sampled every second: average and max of the sum) of berth-app plus its
#     WebKit processes (WebKitWebProcess, WebKitNetworkProcess: found as its descendants),
#   - the same for `docker stats` streaming all containers to /dev/null (started at the
#     window's start, so its CPU time includes its own start-up).
# Prints a markdown table; removes every container and image it made.
#
#   bash scripts/bench-app.sh                 # 20 containers, 15 s warm-up, 30 s window
#   COUNT=50 WINDOW=10 bash scripts/bench-app.sh
#   VIEW=project bash scripts/bench-app.sh   # baseline: the app open on the project view
#   BERTH_APP_BIN=target/app/release/berth-app bash scripts/bench-app.sh   # skip the build
#
# Needs root, dockerd (scripts/start-dockerd.sh), Debian's busybox-static, xvfb-run and
# dbus-run-session (scripts/setup-debian.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20}
WARMUP=${WARMUP:-15}
WINDOW=${WINDOW:-30}
DOCKER=/usr/bin/docker
TAG="berth-bench/busybox:app-$$"
LABEL="dev.berth.bench=app-$$"
HZ=$(getconf CLK_TCK)
work=$(mktemp -d)
app_pid=""
stats_pid=""

cleanup() {
  [ -n "$stats_pid" ] && kill "$stats_pid" 2>/dev/null || true
  if [ -n "$app_pid" ]; then
    # The app and everything it started (Xvfb, dbus, WebKit), by process id.
    for p in $(descendants "$app_pid") "$app_pid"; do kill "$p" 2>/dev/null || true; done
  fi
  ids=$("$DOCKER" ps -aq --filter "label=$LABEL" 2>/dev/null || true)
  if [ -n "$ids" ]; then "$DOCKER" rm -f $ids >/dev/null 2>&1 || true; fi
  "$DOCKER" rmi -f "$TAG" >/dev/null 2>&1 || true
  rm -rf "$work"
}

# Every descendant pid of $1.
descendants() {
  local kids
  kids=$(ps -o pid= --ppid "$1" 2>/dev/null || true)
  for k in $kids; do
    echo "$k"
    descendants "$k"
  done
}
trap cleanup EXIT

bash scripts/start-dockerd.sh >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/app}"
if [ -z "${BERTH_APP_BIN:-}" ]; then
  echo "building the UI and the release app..." >&2
  (cd ui && npm run build --silent >/dev/null)
  cargo build --release --quiet -p berth-app --features tauri/custom-protocol
  BERTH_APP_BIN="$CARGO_TARGET_DIR/release/berth-app"
fi

cp /bin/busybox "$work/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\n' >"$work/Dockerfile"
"$DOCKER" build -q -t "$TAG" "$work" >/dev/null
for _ in $(seq "$COUNT"); do
  "$DOCKER" run -d --label "$LABEL" --network none "$TAG" /bin/busybox sleep 3600 >/dev/null
done

BERTH_VIEW=${VIEW:-containers} dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
  "$BERTH_APP_BIN" >"$work/app.log" 2>&1 &
app_pid=$!
echo "warm-up ${WARMUP}s with $COUNT containers..." >&2
sleep "$WARMUP"

# The app's processes: berth-app and the WebKit processes below it.
app_procs() {
  for p in $(descendants "$app_pid"); do
    case "$(cat "/proc/$p/comm" 2>/dev/null)" in
      berth-app | WebKitWebProces | WebKitNetworkPr | WebKitWebProcess | WebKitNetworkProcess) echo "$p" ;;
    esac
  done
}
procs=$(app_procs)
if ! grep -q . <<<"$procs"; then
  echo "bench-app: berth-app is not running: $(head -c 600 "$work/app.log")" >&2
  exit 1
fi
names=$(for p in $procs; do cat "/proc/$p/comm"; done | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')

ticks_of() { # sum of utime+stime of the given pids
  local t=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}
rss_of() { # sum of VmRSS (KiB)
  local r=0
  for p in "$@"; do
    [ -r "/proc/$p/status" ] || continue
    r=$((r + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")))
  done
  echo "$r"
}

"$DOCKER" stats >/dev/null 2>"$work/stats.err" &
stats_pid=$!
app_t0=$(ticks_of $procs)
declare -A t0_of
for p in $procs; do t0_of[$p]=$(ticks_of "$p"); done
app_rss_sum=0 app_rss_max=0 st_rss_max=0 samples=0
for _ in $(seq "$WINDOW"); do
  sleep 1
  r=$(rss_of $procs)
  app_rss_sum=$((app_rss_sum + r))
  [ "$r" -gt "$app_rss_max" ] && app_rss_max=$r
  s=$(rss_of "$stats_pid")
  [ "$s" -gt "$st_rss_max" ] && st_rss_max=$s
  samples=$((samples + 1))
done
app_t1=$(ticks_of $procs)
per_proc=$(for p in $procs; do
  printf '%s %s %s\n' "$(cat "/proc/$p/comm" 2>/dev/null)" "$(($(ticks_of "$p") - ${t0_of[$p]}))" "$(rss_of "$p")"
done)
st_t=$(ticks_of "$stats_pid")
kill "$stats_pid" 2>/dev/null || true
wait "$stats_pid" 2>/dev/null || true
stats_pid=""

printf '| %d containers, %d s window | CPU time | avg CPU | avg RSS | max RSS |\n' "$COUNT" "$WINDOW"
printf '|---|---:|---:|---:|---:|\n'
awk -v t="$((app_t1 - app_t0))" -v hz="$HZ" -v w="$WINDOW" -v s="$app_rss_sum" -v n="$samples" -v m="$app_rss_max" -v who="berth-app + WebKit ($names)" \
  'BEGIN { printf "| %s | %.2f s | %.1f%% | %.1f MiB | %.1f MiB |\n", who, t / hz, t / hz / w * 100, s / n / 1024, m / 1024 }'
awk -v t="$st_t" -v hz="$HZ" -v w="$WINDOW" -v m="$st_rss_max" \
  'BEGIN { printf "| docker stats | %.2f s | %.1f%% | — | %.1f MiB |\n", t / hz, t / hz / w * 100, m / 1024 }'
echo
echo "per process (CPU time in the window, RSS at its end):"
awk -v hz="$HZ" '{ printf "  %-16s %6.2f s  %7.1f MiB\n", $1, $2 / hz, $3 / 1024 }' <<<"$per_proc"
echo "(the app streams every running container: $("$DOCKER" ps -q | wc -l) running on the engine)"
