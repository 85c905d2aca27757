#!/usr/bin/env bash
# End-to-end test of the real desktop app under Xvfb: builds the UI and the app (UI embedded),
# makes sure tauri-driver is installed, then runs every tests/e2e/*.e2e.mjs through WebDriver
# (or only the files given as arguments).
# Writes docs/screenshot.png. Exits non-zero on any failure.
#   BERTH_E2E_PROFILE=debug  build/run the faster debug profile instead of release
#   BERTH_APP_BIN=/path      use an already built binary (skips the cargo build)
#   BERTH_CLI_BIN=/path      use an already built `berth` (single-instance.e2e.mjs runs `berth open`)
# Needs (Debian): xvfb xauth dbus webkit2gtk-driver libwebkit2gtk-4.1-dev
#   libayatana-appindicator3-dev nodejs, and for the tray spec xfwm4 xfce4-panel dunst wmctrl
#   xdotool (scripts/setup-debian.sh); tauri-driver is installed with cargo when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/app}"
profile="${BERTH_E2E_PROFILE:-release}"
export PATH="$HOME/.cargo/bin:$PATH"

if [ -z "${BERTH_APP_BIN:-}" ]; then
  if [ ! -d ui/node_modules ]; then (cd ui && npm ci --no-audit --no-fund --loglevel=error); fi
  (cd ui && npm run build --silent)
  flags=(-p berth-app --features tauri/custom-protocol)
  [ "$profile" = release ] && flags+=(--release)
  cargo build "${flags[@]}"
  export BERTH_APP_BIN="$CARGO_TARGET_DIR/$profile/berth-app"
fi
if [ -z "${BERTH_CLI_BIN:-}" ]; then
  flags=(-p berth-cli)
  [ "$profile" = release ] && flags+=(--release)
  cargo build "${flags[@]}"
  export BERTH_CLI_BIN="$CARGO_TARGET_DIR/$profile/berth"
fi

if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --locked
fi
for tool in WebKitWebDriver xvfb-run dbus-run-session node gdbus dbus-send xfwm4 xfce4-panel dunst dunstctl wmctrl xdotool; do
  command -v "$tool" >/dev/null 2>&1 || { echo "e2e: $tool is missing (see scripts/setup-debian.sh)" >&2; exit 1; }
done

specs=("$@")
[ ${#specs[@]} -eq 0 ] && specs=(tests/e2e/*.e2e.mjs)
for spec in "${specs[@]}"; do
  echo "e2e: $spec"
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" node "$spec"
done
