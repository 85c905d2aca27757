#!/usr/bin/env bash
# Benchmark `berth check` (release build) against the tools a user would otherwise run on the
# same Dockerfile — hadolint, and checkov -f — and `berth image` on a ~300 MB image built here
# (FROM scratch + busybox + random data in three layers, one of them deleted later: no
# registry needed), next to `docker save` of the same image (the floor: the export alone).
# Whole-process times with hyperfine; the image is labelled and removed at the end.
#
#   scripts/bench-check.sh      (needs: hyperfine, time, hadolint, checkov, a running engine)
#
# Prints markdown tables; asserts nothing (figures, not a test).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"
for tool in hyperfine hadolint checkov python3; do
  command -v "$tool" >/dev/null || { echo "bench-check: $tool missing (scripts/setup-debian.sh)" >&2; exit 1; }
done
DOCKER=/usr/bin/docker
cargo build --release --bin berth >/dev/null 2>&1 || cargo build --release --bin berth
BERTH="${CARGO_TARGET_DIR:-$PWD/target}/release/berth"

WORK=$(mktemp -d)
TAG="berth-bench-check:$$"
OUT1=$(mktemp --suffix=.json)
OUT2=$(mktemp --suffix=.json)
trap '$DOCKER rmi -f "$TAG" >/dev/null 2>&1 || true; rm -rf "$WORK" "$OUT1" "$OUT2"' EXIT

# The same Dockerfile for all three: the corpus file with the most planted problems.
mkdir -p "$WORK/project"
cp tests/check/dockerfiles/planted/apt.Dockerfile "$WORK/project/Dockerfile"
hyperfine --warmup 2 --runs "$RUNS" --export-json "$OUT1" -N -i \
  -n "berth check PATH" "$BERTH check $WORK/project --fail-on none" \
  -n "hadolint Dockerfile" "hadolint --no-fail $WORK/project/Dockerfile" \
  -n "checkov -f Dockerfile" "checkov -f $WORK/project/Dockerfile --framework dockerfile --quiet --compact" \
  >/dev/null

# A ~300 MB image: busybox, 3 x 100 MB of random data, one of them deleted by a later layer.
mkdir -p "$WORK/image"
cp /bin/busybox "$WORK/image/busybox"
for i in 1 2 3; do head -c 100000000 /dev/urandom > "$WORK/image/data$i"; done
cat > "$WORK/image/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
COPY data1 /data/1
COPY data2 /data/2
COPY data3 /data/3
RUN ["/bin/busybox", "rm", "/data/3"]
USER 10001
EOF
$DOCKER build -q -t "$TAG" --label "dev.berth.bench=check" "$WORK/image" >/dev/null
SIZE=$($DOCKER image inspect -f '{{.Size}}' "$TAG")
hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT2" -N \
  -n "berth image (300 MB)" "$BERTH image $TAG --json" \
  -n "docker save (300 MB) > /dev/null" "sh -c '$DOCKER save $TAG > /dev/null'" \
  >/dev/null
# Peak RSS of one berth image run: the export is streamed, never held.
RSS=$( { /usr/bin/time -f '%M' "$BERTH" image "$TAG" --json >/dev/null; } 2>&1 | tail -1)

python3 - "$OUT1" "$OUT2" "$SIZE" "$RSS" <<'PY'
import json, sys
for path in sys.argv[1:3]:
    r = json.load(open(path))["results"]
    print()
    print("| command | mean (ms) | min (ms) | max (ms) | runs |")
    print("|---|---:|---:|---:|---:|")
    for x in r:
        print(f"| `{x['command']}` | {x['mean']*1e3:.1f} ± {x['stddev']*1e3:.1f} | {x['min']*1e3:.1f} | {x['max']*1e3:.1f} | {len(x['times'])} |")
print()
print(f"image size: {int(sys.argv[3])/1e6:.0f} MB; berth image peak RSS: {int(sys.argv[4])/1024:.1f} MiB")
PY
