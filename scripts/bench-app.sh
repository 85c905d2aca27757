#!/usr/bin/env bash
# Benchmark (not a test): what the desktop app costs while it charts live stats. Starts COUNT
# tiny busybox containers, runs the release app under Xvfb on its Containers view
# (BERTH_VIEW=containers), waits a warm-up, then over the same window measures
#   - the CPU time (utime+stime from /proc/<pid>/stat, delta over the window) and the PSS
#     (proportional set size, `Pss:` of /proc/<pid>/smaps_rollup, sampled every second:
#     average and max of the sum) of berth-app plus its WebKit processes (WebKitWebProcess,
#     WebKitNetworkProcess: found as its descendants). PSS splits each shared page between the
#     processes mapping it, so the sum counts the GTK/WebKit libraries once, not per process
#     as RSS does;
#   - the same for `docker stats` streaming all containers to /dev/null (started at the
#     window's start, so its CPU time includes its own start-up).
# Prints a markdown table; removes every container and image it made.
#
#   bash scripts/bench-app.sh                 # 20 containers, 15 s warm-up, 30 s window
#   COUNT=50 WINDOW=10 bash scripts/bench-app.sh
#   LOAD=tick bash scripts/bench-app.sh       # containers that wake every second (values change)
#   VIEW=project COUNT=0 bash scripts/bench-app.sh   # idle: the app on its empty project view
#   FLOOR=1 COUNT=0 bash scripts/bench-app.sh # the floor: an empty Tauri window (no Berth UI)
#   APP_ENV="WEBKIT_DISABLE_COMPOSITING_MODE=1" bash scripts/bench-app.sh
#   BERTH_APP_BIN=/work/target/release/berth-app bash scripts/bench-app.sh   # skip the build
#
# The floor is src-tauri/examples/empty_window.rs: Tauri's Builder with the same plugins and
# one 1240×800 window on an empty HTML page, built in the same profile and features as the app.
#
# Needs root, dockerd (scripts/start-dockerd.sh), Debian's busybox-static, xvfb-run and
# dbus-run-session (scripts/setup-debian.sh). Other WebKit processes on the machine (another
# app, an e2e run) share library pages with the measured ones and lower their PSS: the script
# says when it sees some.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20}
WARMUP=${WARMUP:-15}
WINDOW=${WINDOW:-30}
LOAD=${LOAD:-idle}
FLOOR=${FLOOR:-}
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

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/app}"
features=(-p berth-app --features tauri/custom-protocol)
if [ -n "$FLOOR" ]; then
  if [ -z "${BERTH_FLOOR_BIN:-}" ]; then
    echo "building the empty-window example (release)..." >&2
    cargo build --release --quiet "${features[@]}" --example empty_window
    BERTH_FLOOR_BIN="$CARGO_TARGET_DIR/release/examples/empty_window"
  fi
  BIN=$BERTH_FLOOR_BIN
  who="empty Tauri window"
else
  if [ -z "${BERTH_APP_BIN:-}" ]; then
    echo "building the UI and the release app..." >&2
    (cd ui && npm run build --silent >/dev/null)
    cargo build --release --quiet "${features[@]}"
    BERTH_APP_BIN="$CARGO_TARGET_DIR/release/berth-app"
  fi
  BIN=$BERTH_APP_BIN
  who="berth-app"
fi

others=$(pgrep -c -x WebKitWebProces || true)
[ "${others:-0}" -gt 0 ] && echo "note: $others WebKit web process(es) already running elsewhere: PSS reads lower" >&2

if [ "$COUNT" -gt 0 ]; then
  bash scripts/start-dockerd.sh >/dev/null
  cp /bin/busybox "$work/busybox"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\n' >"$work/Dockerfile"
  "$DOCKER" build -q -t "$TAG" "$work" >/dev/null
  case "$LOAD" in
    idle) cmd=(/bin/busybox sleep 3600) ;;
    # Wakes every second and does a little work: CPU and memory readings change each sample.
    tick) cmd=(/bin/busybox sh -c 'while :; do /bin/busybox seq 3000 >/dev/null; /bin/busybox sleep 1; done') ;;
    *) echo "LOAD is idle or tick" >&2; exit 2 ;;
  esac
  for _ in $(seq "$COUNT"); do
    "$DOCKER" run -d --label "$LABEL" --network none "$TAG" "${cmd[@]}" >/dev/null
  done
fi

# shellcheck disable=SC2086 # APP_ENV is a list of NAME=value words
env ${APP_ENV:-} BERTH_VIEW="${VIEW:-containers}" dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
  "$BIN" >"$work/app.log" 2>&1 &
app_pid=$!
echo "warm-up ${WARMUP}s with $COUNT containers ($LOAD)..." >&2
sleep "$WARMUP"

# The app's processes: the app and the WebKit processes below it.
app_procs() {
  local bin_comm
  bin_comm=$(basename "$BIN" | cut -c1-15)
  for p in $(descendants "$app_pid"); do
    case "$(cat "/proc/$p/comm" 2>/dev/null)" in
      "$bin_comm" | WebKitWebProces | WebKitNetworkPr | WebKitGPUProces) echo "$p" ;;
    esac
  done
}
procs=$(app_procs)
if ! grep -q . <<<"$procs"; then
  echo "bench-app: $who is not running: $(head -c 600 "$work/app.log")" >&2
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
pss_of() { # sum of Pss (KiB)
  local r=0
  for p in "$@"; do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    r=$((r + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")))
  done
  echo "$r"
}
rss_of() { # sum of VmRSS (KiB), for reference
  local r=0
  for p in "$@"; do
    [ -r "/proc/$p/status" ] || continue
    r=$((r + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")))
  done
  echo "$r"
}

if [ "$COUNT" -gt 0 ]; then
  "$DOCKER" stats >/dev/null 2>"$work/stats.err" &
  stats_pid=$!
fi
app_t0=$(ticks_of $procs)
declare -A t0_of
for p in $procs; do t0_of[$p]=$(ticks_of "$p"); done
pss_sum=0 pss_max=0 st_sum=0 st_max=0 samples=0
for _ in $(seq "$WINDOW"); do
  sleep 1
  r=$(pss_of $procs)
  pss_sum=$((pss_sum + r))
  [ "$r" -gt "$pss_max" ] && pss_max=$r
  if [ -n "$stats_pid" ]; then
    s=$(pss_of "$stats_pid")
    st_sum=$((st_sum + s))
    [ "$s" -gt "$st_max" ] && st_max=$s
  fi
  samples=$((samples + 1))
done
app_t1=$(ticks_of $procs)
rss_end=$(rss_of $procs)
per_proc=$(for p in $procs; do
  printf '%s %s %s %s\n' "$(cat "/proc/$p/comm" 2>/dev/null)" "$(($(ticks_of "$p") - ${t0_of[$p]}))" "$(pss_of "$p")" "$(rss_of "$p")"
done)
st_t=0
if [ -n "$stats_pid" ]; then
  st_t=$(ticks_of "$stats_pid")
  kill "$stats_pid" 2>/dev/null || true
  wait "$stats_pid" 2>/dev/null || true
  stats_pid=""
fi

label="$COUNT containers ($LOAD), view ${VIEW:-containers}"
[ -n "$FLOOR" ] && label="$COUNT containers, empty Tauri window"
[ -n "${APP_ENV:-}" ] && label="$label, $APP_ENV"
printf '| %s, %d s window | CPU time | avg CPU | avg PSS | max PSS |\n' "$label" "$WINDOW"
printf '|---|---:|---:|---:|---:|\n'
awk -v t="$((app_t1 - app_t0))" -v hz="$HZ" -v w="$WINDOW" -v s="$pss_sum" -v n="$samples" -v m="$pss_max" -v who="$who + WebKit ($names)" \
  'BEGIN { printf "| %s | %.2f s | %.1f%% | %.1f MiB | %.1f MiB |\n", who, t / hz, t / hz / w * 100, s / n / 1024, m / 1024 }'
if [ "$COUNT" -gt 0 ]; then
  awk -v t="$st_t" -v hz="$HZ" -v w="$WINDOW" -v s="$st_sum" -v n="$samples" -v m="$st_max" \
    'BEGIN { printf "| docker stats | %.2f s | %.1f%% | %.1f MiB | %.1f MiB |\n", t / hz, t / hz / w * 100, s / n / 1024, m / 1024 }'
  awk -v a="$((app_t1 - app_t0))" -v d="$st_t" \
    'BEGIN { if (d > 0) printf "\napp CPU / docker stats CPU: %.2f\n", a / d }'
fi
echo
echo "per process (CPU time in the window; PSS and RSS at its end):"
awk -v hz="$HZ" '{ printf "  %-16s %6.2f s  PSS %7.1f MiB  RSS %7.1f MiB\n", $1, $2 / hz, $3 / 1024, $4 / 1024 }' <<<"$per_proc"
awk -v r="$rss_end" 'BEGIN { printf "  (sum of RSS, counting shared libraries once per process: %.1f MiB)\n", r / 1024 }'
if [ "$COUNT" -gt 0 ]; then
  echo "(the app streams every running container: $("$DOCKER" ps -q | wc -l) running on the engine)"
fi
