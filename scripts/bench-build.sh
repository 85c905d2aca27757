#!/usr/bin/env bash
# Benchmark `berth build` (release build; BuildKit through the Engine API) against the
# Docker CLI (`DOCKER_BUILDKIT=1 /usr/bin/docker build`) on the same project: a cached
# rebuild, a --no-cache build, and the peak memory of each client.
#
#   scripts/bench-build.sh       (needs: a running engine, /usr/bin/docker, hyperfine,
#                                 busybox-static; `make bench` runs it)
#
# The project is built locally (no registry): FROM scratch + Debian's busybox, a source
# tree of FILES small files (the build context) and a .dockerignore that leaves out a
# node_modules-like folder of the same size. Prints markdown tables; asserts nothing
# (figures, not a test). Removes the images it built.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"
FILES="${FILES:-3000}"
DOCKER=/usr/bin/docker
for tool in hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "bench-build: $tool missing (apt-get install -y hyperfine)" >&2; exit 1; }
done
[ -x "$DOCKER" ] || { echo "bench-build: $DOCKER missing (apt-get install -y docker.io)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "bench-build: /bin/busybox missing (apt-get install -y busybox-static)" >&2; exit 1; }
"$DOCKER" info >/dev/null 2>&1 || { echo "bench-build: no engine (scripts/start-dockerd.sh)" >&2; exit 1; }
cargo build --release --bin berth >/dev/null 2>&1 || cargo build --release --bin berth
BERTH="$PWD/target/release/berth"

P=$(mktemp -d /tmp/berth-bench-build.XXXXXX)
OUT=$(mktemp --suffix=.json)
TAG_B="berth-bench-build-berth:dev"
TAG_D="berth-bench-build-docker:dev"
cleanup() {
  "$DOCKER" rmi -f "$TAG_B" "$TAG_D" >/dev/null 2>&1 || true
  "$DOCKER" image prune -f --filter "label=berth-bench=build" >/dev/null 2>&1 || true
  rm -rf "$P" "$OUT"
}
trap cleanup EXIT

cp /bin/busybox "$P/busybox"
python3 - "$P" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for folder in ("src", "node_modules"):
    for i in range(n):
        d = os.path.join(root, folder, f"d{i % 50}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{i}.txt"), "w") as f:
            f.write((f"{folder} file {i}\n") * 64)
PY
printf 'node_modules\n' > "$P/.dockerignore"
cat > "$P/Dockerfile" <<'EOF'
FROM scratch
LABEL berth-bench=build
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY src /app/src
RUN find /app/src -type f | wc -l > /app/count && cat /app/src/d0/f0.txt | wc -c >> /app/count
USER 65534
CMD ["/bin/cat", "/app/count"]
EOF

B_CACHED="$BERTH build $P --tag $TAG_B"
D_CACHED="env DOCKER_BUILDKIT=1 $DOCKER build -q -t $TAG_D $P"
# Fill both caches (and check both builds work) before timing.
$B_CACHED >/dev/null
$D_CACHED >/dev/null

hyperfine --warmup 2 --runs "$RUNS" --export-json "$OUT" \
  -n "berth build (cached)" "$B_CACHED" \
  -n "docker build (cached)" "$D_CACHED" \
  -n "berth build --no-cache" "$BERTH build $P --tag $TAG_B --no-cache" \
  -n "docker build --no-cache" "env DOCKER_BUILDKIT=1 $DOCKER build -q --no-cache -t $TAG_D $P" >/dev/null

# Peak RSS (KiB) of a command's process (getrusage of the waited child).
rss() {
  python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
echo
echo "Context: $(find "$P/src" -type f | wc -l) files sent ($(du -sh "$P/src" | cut -f1)), node_modules ($(find "$P/node_modules" -type f | wc -l) files) left out by .dockerignore"
echo
echo "| build | mean | min | max |"
echo "|---|---:|---:|---:|"
python3 - "$OUT" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']} | {r['mean']*1000:.0f} ms ± {r['stddev']*1000:.0f} | {r['min']*1000:.0f} ms | {r['max']*1000:.0f} ms |")
PY
echo
echo "| client peak RSS, cached build | KiB |"
echo "|---|---:|"
echo "| berth build | $(rss $B_CACHED) |"
echo "| docker build | $(rss env DOCKER_BUILDKIT=1 $DOCKER build -q -t $TAG_D "$P") |"
