#!/usr/bin/env bash
# Benchmark (not a test): CPU time and peak memory of `berth stats` (release build) versus
# `docker stats`, each streaming every running container for the same window, with 20 and
# then 50 tiny busybox containers running. Prints a markdown table; cleans up after itself.
#
#   bash scripts/bench-stats.sh            # 30 s per run
#   WINDOW=10 COUNTS="5 20" bash scripts/bench-stats.sh
#
# Both programs write to /dev/null (not a terminal), and are measured from /proc/<pid>/stat
# (utime+stime) and /proc/<pid>/status (VmHWM) just before they are stopped. Needs root,
# dockerd (scripts/start-dockerd.sh) and Debian's busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."

WINDOW=${WINDOW:-30}
COUNTS=${COUNTS:-"20 50"}
DOCKER=/usr/bin/docker
TAG="berth-bench/busybox:stats-$$"
LABEL="dev.berth.bench=stats-$$"
HZ=$(getconf CLK_TCK)
work=$(mktemp -d)

cleanup() {
  ids=$("$DOCKER" ps -aq --filter "label=$LABEL" 2>/dev/null || true)
  if [ -n "$ids" ]; then "$DOCKER" rm -f $ids >/dev/null 2>&1 || true; fi
  "$DOCKER" rmi -f "$TAG" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bash scripts/start-dockerd.sh >/dev/null
echo "building berth (release)..." >&2
cargo build --release --quiet --bin berth
BERTH=$PWD/target/release/berth

cp /bin/busybox "$work/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\n' >"$work/Dockerfile"
"$DOCKER" build -q -t "$TAG" "$work" >/dev/null

# measure NAME CMD...: run CMD with stdout to /dev/null for $WINDOW s; print "cpu_s rss_kib".
measure() {
  local out="$work/out"
  "$@" >/dev/null 2>"$out.err" &
  local pid=$!
  sleep "$WINDOW"
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "bench-stats: $1 exited early: $(head -c 400 "$out.err")" >&2
    exit 1
  fi
  # Fields after the command name: utime and stime are fields 14 and 15 of the line.
  local stat ticks rss
  stat=$(sed 's/.*) //' "/proc/$pid/stat")
  ticks=$(awk '{print $12 + $13}' <<<"$stat")
  rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  awk -v t="$ticks" -v hz="$HZ" -v r="$rss" 'BEGIN { printf "%.2f %d\n", t / hz, r }'
}

printf '| containers | program | CPU time in %s s | avg CPU | max RSS |\n' "$WINDOW"
printf '|---:|---|---:|---:|---:|\n'
running=0
for n in $COUNTS; do
  while [ "$running" -lt "$n" ]; do
    "$DOCKER" run -d --label "$LABEL" --network none "$TAG" /bin/busybox sleep 3600 >/dev/null
    running=$((running + 1))
  done
  sleep 2
  for prog in berth docker; do
    if [ "$prog" = berth ]; then
      read -r cpu rss < <(measure "$BERTH" stats)
    else
      read -r cpu rss < <(measure "$DOCKER" stats)
    fi
    awk -v n="$n" -v p="$prog" -v c="$cpu" -v w="$WINDOW" -v r="$rss" \
      'BEGIN { printf "| %d | %s stats | %.2f s | %.1f%% | %.1f MiB |\n", n, p, c, c / w * 100, r / 1024 }'
  done
done
echo
echo "(other containers running on the engine are streamed too: $("$DOCKER" ps -q | wc -l) running in all)"
