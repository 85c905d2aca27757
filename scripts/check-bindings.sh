#!/usr/bin/env bash
# Fail when the committed TypeScript bindings (ui/src/lib/bindings) drift from the Rust types.
# Regenerates every `#[ts(export)]` type of berth-core and berth-app into a temp dir (ts-rs's
# export_bindings_* tests) and compares it with the committed folder, file by file.
# Fix a drift with: cargo test -p berth-core -p berth-app export_bindings  (then commit).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Same target dir as `cargo test` (make test-rust): a separate one would be a second full
# debug build of the workspace on disk.
TS_RS_EXPORT_DIR="$tmp" cargo test -q -p berth-core -p berth-app export_bindings >/dev/null
if ! diff -ru ui/src/lib/bindings "$tmp"; then
  echo "bindings drift: ui/src/lib/bindings differs from the Rust types (diff above: committed -> generated)." >&2
  echo "regenerate with: cargo test -p berth-core -p berth-app export_bindings" >&2
  exit 1
fi
echo "bindings: ui/src/lib/bindings matches the Rust types ($(ls "$tmp" | wc -l) files)"
