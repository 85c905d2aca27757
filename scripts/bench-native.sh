#!/usr/bin/env bash
# The README's native-vs-container figures: `berth bench` (release build) on the Flask and the
# Express project of tests/bench/, REQUESTS measured requests per side (default 500), RUNS times
# each (default 3). Each run builds the image, installs the dependencies natively in a private
# copy, measures both sides on loopback and removes everything it started.
#
#   scripts/bench-native.sh    (needs: a running engine, the stand-in images (make standins),
#                               python3 with venv, node and npm)
#
# Prints one table per run (figures, not a test).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${REQUESTS:-500}"
RUNS="${RUNS:-3}"
cargo build --release --bin berth >/dev/null 2>&1 || cargo build --release --bin berth
BERTH="${CARGO_TARGET_DIR:-$PWD/target}/release/berth"
for project in flask express; do
  for run in $(seq "$RUNS"); do
    echo "== $project, run $run"
    "$BERTH" bench "tests/bench/$project" --requests "$REQUESTS" 2>/dev/null
    echo
  done
done
