#!/usr/bin/env bash
# Every icon the app and its bundles use, from one source: icons/berth.svg, rendered by the
# Tauri CLI's `tauri icon` (offline; @tauri-apps/cli in ui/node_modules).
#   icons/32x32.png 128x128.png 128x128@2x.png icon.png   Linux bundles (.deb/.rpm/AppImage)
#   icons/icon.icns                                        macOS (.app, .dmg)
#   icons/icon.ico                                         Windows (.exe, .msi, NSIS)
#   icons/tray.png (64 px)                                 the tray icon (src-tauri/src/tray.rs)
#   ui/public/icon.png (128 px)                            the header's logo
# The Windows Store and mobile icons `tauri icon` also makes are not kept (no such bundles).
#
# Usage: scripts/icons.sh          regenerate
#        scripts/icons.sh --check  exit 1 if a committed PNG/ICO differs from what the source
#                                  renders (the .icns container is not byte-stable: checked
#                                  to exist only)
set -euo pipefail
cd "$(dirname "$0")/.."
TAURI=ui/node_modules/.bin/tauri
[ -x "$TAURI" ] || { echo "icons: $TAURI is missing: (cd ui && npm ci)" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out" "$out.log"' EXIT
if ! "$TAURI" icon icons/berth.svg -o "$out" >"$out.log" 2>&1; then
  cat "$out.log" >&2
  exit 1
fi
rm -f "$out.log"

# target <- generated
MAP=(
  "icons/32x32.png|32x32.png"
  "icons/128x128.png|128x128.png"
  "icons/128x128@2x.png|128x128@2x.png"
  "icons/icon.png|icon.png"
  "icons/icon.ico|icon.ico"
  "icons/tray.png|64x64.png"
  "ui/public/icon.png|128x128.png"
)

if [ "${1:-}" = --check ]; then
  stale=()
  for m in "${MAP[@]}"; do
    cmp -s "${m%%|*}" "$out/${m##*|}" || stale+=("${m%%|*}")
  done
  [ -s icons/icon.icns ] || stale+=(icons/icon.icns)
  if [ ${#stale[@]} -gt 0 ]; then
    echo "icons: out of date with icons/berth.svg: ${stale[*]} (run scripts/icons.sh)" >&2
    exit 1
  fi
  echo "icons: up to date with icons/berth.svg"
  exit 0
fi

for m in "${MAP[@]}"; do
  cp "$out/${m##*|}" "${m%%|*}"
done
cp "$out/icon.icns" icons/icon.icns
echo "icons: regenerated from icons/berth.svg"
