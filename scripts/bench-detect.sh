#!/usr/bin/env bash
# Benchmark `berth detect` on a generated 100k-file repository.
#
#   scripts/bench-detect.sh [DIR]     (default DIR: /tmp/berth-bench-repo; reused if present)
#
# The repository holds ~80k files under node_modules/ (never descended into), ~20k files in a
# src/ tree that is walked, plus a .gitignored build cache and a .dockerignored folder.
# Builds the release `berth`, then times it with hyperfine when installed
# (apt-get install -y hyperfine), else with a `date +%s%N` loop. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="${1:-/tmp/berth-bench-repo}"
RUNS="${RUNS:-20}"

if [ ! -f "$REPO/.berth-bench-complete" ]; then
  echo "generating $REPO ..."
  rm -rf "$REPO"
  mkdir -p "$REPO"
  python3 - "$REPO" <<'PY'
import json, os, sys
root = sys.argv[1]
def w(rel, body=""):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(body)
w("package.json", json.dumps({"name": "bench", "main": "server.js",
    "scripts": {"start": "node server.js"}, "dependencies": {"express": "^4.19.2", "pg": "^8"}}, indent=2))
w("package-lock.json", json.dumps({"name": "bench", "lockfileVersion": 3, "packages": {}}))
w("server.js", "const app = require('express')();\napp.get('/healthz', (q, s) => s.end('ok'));\napp.listen(process.env.PORT || 3000);\n")
w(".gitignore", "node_modules/\n.cache-build/\n")
w(".dockerignore", "fixtures-large/\n")
n = 0
for i in range(800):                       # 80,000 files in node_modules
    for j in range(100):
        w(f"node_modules/pkg{i}/lib/f{j}.js", "module.exports = 1;\n"); n += 1
for i in range(200):                       # 20,000 files in the walked source tree
    for j in range(100):
        w(f"src/mod{i}/part{j}.js", f"export const v{j} = {j};\n"); n += 1
for i in range(1000):                      # ignored by .gitignore / .dockerignore
    w(f".cache-build/c{i}.bin", "x"); n += 1
    w(f"fixtures-large/f{i}.json", "{}"); n += 1
print(f"{n} files")
PY
  touch "$REPO/.berth-bench-complete"
fi
echo "files: $(find "$REPO" -type f | wc -l)"

cargo build --release -p berth-cli --quiet
BERTH="$PWD/target/release/berth"
"$BERTH" detect "$REPO" --json > /dev/null   # warm the page cache

if command -v hyperfine > /dev/null; then
  hyperfine --warmup 3 --runs "$RUNS" "$BERTH detect $REPO --json"
else
  echo "hyperfine not found; timing $RUNS runs with date +%s%N"
  times=()
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "$BERTH" detect "$REPO" --json > /dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '
    { a[NR] = $1; s += $1 }
    END { printf "runs %d  min %.1f ms  median %.1f ms  mean %.1f ms  max %.1f ms\n",
          NR, a[1] / 1000, a[int((NR + 1) / 2)] / 1000, s / NR / 1000, a[NR] / 1000 }'
fi
