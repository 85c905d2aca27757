#!/usr/bin/env bash
# Installs Berth's .deb (from `make bundle`) into a clean Debian 12 root and launches the
# installed app there: `berth-app` runs under Xvfb inside a container and its window must
# appear (xdotool). Also checks what the package put on disk: /usr/bin/berth-app, the berth CLI
# at /usr/bin/berth, the desktop entry and the icons, and the .rpm's declared requirements
# (rpm -qpR).
#
# The clean root: `debootstrap --variant=minbase bookworm` imported as a Docker image (no
# registry is reachable here), plus the test's own tools (xvfb, xdotool, dbus) in a second
# image, plus exactly what the .deb declares (`apt-get satisfy` on its Depends line, from
# Debian's mirror) in a third. All are cached by tag: a changed recipe or Depends line builds
# new ones. Each run then installs the .deb with dpkg (which refuses it unless its Depends are
# met) in a fresh container without network, so a library the app needs but the package does
# not declare makes the app fail to start. Downloaded .debs are kept in $BERTH_APT_CACHE.
#
# Costs here (2 cores, loaded): first run ~5 min (debootstrap ~80 s, tools ~40 s, the declared
# dependencies ~2 min); later runs a few seconds (dpkg -i and the app's start).
#
# Usage: scripts/bundle-test.sh [path/to/berth.deb] (default: the newest one `make bundle` made)
#        scripts/bundle-test.sh --prepare   only build the cached images
# Needs: root, debootstrap, a running Docker engine. Environment: DOCKER (default
# /usr/bin/docker), BERTH_APT_CACHE (default /var/cache/berth-bundle-test/apt),
# BERTH_BUNDLE_DIR (default target/app/release/bundle).
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-/usr/bin/docker}
BUNDLE_DIR=${BERTH_BUNDLE_DIR:-target/app/release/bundle}
APT_CACHE=${BERTH_APT_CACHE:-/var/cache/berth-bundle-test/apt}
LABEL=dev.berth.bundle-test
SUITE=bookworm
DEBOOTSTRAP_ARGS=(--variant=minbase "$SUITE")
TOOL_PACKAGES="xvfb xauth xdotool dbus"
# Images are tagged with a hash of their recipe: a changed recipe builds new ones.
recipe=$(printf '%s\n' "${DEBOOTSTRAP_ARGS[@]}" "$TOOL_PACKAGES" | sha256sum | cut -c1-12)
ROOTFS="berth-bundle-test/rootfs:$SUITE-$recipe"
TOOLS="berth-bundle-test/tools:$SUITE-$recipe"

# The clean root and the tools image, cached by the hash of this recipe.
prepare() {
  if ! "$DOCKER" image inspect "$ROOTFS" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null 2>&1 || { echo "bundle-test: debootstrap is missing (make setup)" >&2; exit 1; }
    dir=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-bundle-rootfs.XXXXXX")
    trap 'rm -rf --one-file-system "$dir"' EXIT
    echo "bundle-test: debootstrap $SUITE (minbase) into $dir"
    if ! debootstrap "${DEBOOTSTRAP_ARGS[@]}" "$dir" >"$dir.log" 2>&1; then
      tail -n 30 "$dir.log" >&2
      exit 1
    fi
    rm -f "$dir.log"
    # Keep downloaded packages (the mounted cache), no recommends.
    printf 'Binary::apt::APT::Keep-Downloaded-Packages "true";\nAPT::Install-Recommends "false";\n' \
      >"$dir/etc/apt/apt.conf.d/90berth-test"
    tar -C "$dir" -c . | "$DOCKER" import -c 'ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8' \
      -c "LABEL $LABEL=1" - "$ROOTFS" >/dev/null
    rm -rf --one-file-system "$dir"
    trap - EXIT
  fi
  mkdir -p "$APT_CACHE"
  if ! "$DOCKER" image inspect "$TOOLS" >/dev/null 2>&1; then
    echo "bundle-test: the test's tools (xvfb, xdotool, dbus) on the clean root"
    cid=$("$DOCKER" run -d --label "$LABEL=1" -v "$APT_CACHE:/var/cache/apt/archives" "$ROOTFS" \
      sh -c "apt-get update -qq && apt-get install -y -qq $TOOL_PACKAGES >/dev/null && rm -rf /var/lib/apt/lists/*")
    if [ "$("$DOCKER" wait "$cid")" != 0 ]; then
      "$DOCKER" logs "$cid" 2>&1 | tail -n 30 >&2
      "$DOCKER" rm -f "$cid" >/dev/null
      exit 1
    fi
    "$DOCKER" commit -c "LABEL $LABEL=1" "$cid" "$TOOLS" >/dev/null
    "$DOCKER" rm "$cid" >/dev/null
  fi
}

if [ "${1:-}" = --prepare ]; then
  prepare
  echo "bundle-test: images ready ($ROOTFS, $TOOLS)"
  exit 0
fi

deb=${1:-$(ls -t "$BUNDLE_DIR"/deb/*.deb 2>/dev/null | head -n1 || true)}
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "bundle-test: no .deb (run make bundle first)" >&2
  exit 1
fi
rpm_file=$(ls -t "$BUNDLE_DIR"/rpm/*.rpm 2>/dev/null | head -n1 || true)
deb=$(realpath "$deb")
t0=$(date +%s)

# 1. What the packages declare (read on the host: dpkg-deb and rpm read the files).
echo "bundle-test: $deb"
depends=$(dpkg-deb -f "$deb" Depends)
echo "  Depends: $depends"
for want in libwebkit2gtk-4.1-0 libayatana-appindicator3-1; do
  grep -q "$want" <<<"$depends" || { echo "bundle-test: the .deb does not depend on $want" >&2; exit 1; }
done
contents=$(dpkg-deb -c "$deb")
# (dpkg-deb -c lists paths with or without a leading ./, depending on the tool that built it)
for f in usr/bin/berth-app usr/bin/berth usr/share/applications/Berth.desktop \
  usr/share/icons/hicolor/128x128/apps/berth-app.png; do
  grep -Eq " (\./)?$f\$" <<<"$contents" || { echo "bundle-test: the .deb lacks /$f" >&2; exit 1; }
done
if [ -n "$rpm_file" ] && command -v rpm >/dev/null 2>&1; then
  requires=$(rpm -qpR "$rpm_file" 2>/dev/null)
  for want in webkit2gtk4.1 libayatana-appindicator-gtk3; do
    grep -q "$want" <<<"$requires" || { echo "bundle-test: the .rpm does not require $want" >&2; exit 1; }
  done
  rpm -qpl "$rpm_file" | grep -qx /usr/bin/berth || { echo "bundle-test: the .rpm lacks /usr/bin/berth" >&2; exit 1; }
  echo "  $(basename "$rpm_file"): requires webkit2gtk4.1 and libayatana-appindicator-gtk3, ships /usr/bin/berth"
fi

prepare

# 2. The clean root with the tools and exactly what the package declares (apt-get satisfy on
# its Depends line, nothing else): cached by the hash of that line, so a changed Depends builds
# a new one, and the install below costs seconds instead of unpacking WebKitGTK every run.
deps_image="berth-bundle-test/deps:$SUITE-$(printf '%s\n' "$recipe" "$depends" | sha256sum | cut -c1-12)"
if ! "$DOCKER" image inspect "$deps_image" >/dev/null 2>&1; then
  echo "bundle-test: the declared dependencies on the clean root (apt-get satisfy)"
  cid=$("$DOCKER" run -d --label "$LABEL=1" -v "$APT_CACHE:/var/cache/apt/archives" "$TOOLS" \
    bash -c 'apt-get update -qq && apt-get satisfy -y -qq "$0" >/dev/null && rm -rf /var/lib/apt/lists/*' "$depends")
  if [ "$("$DOCKER" wait "$cid")" != 0 ]; then
    "$DOCKER" logs "$cid" 2>&1 | tail -n 30 >&2
    "$DOCKER" rm -f "$cid" >/dev/null
    exit 1
  fi
  "$DOCKER" commit -c "LABEL $LABEL=1" "$cid" "$deps_image" >/dev/null
  "$DOCKER" rm "$cid" >/dev/null
fi

# 3. Install the .deb with dpkg (which refuses it unless its Depends are met; no network) and
# launch the installed app under Xvfb.
echo "bundle-test: dpkg -i $(basename "$deb") in a fresh container, then berth-app under Xvfb"
name="berth-bundle-test-$$"
set +e
"$DOCKER" run --rm --network none --name "$name" --label "$LABEL=1" \
  -v "$deb:/tmp/berth.deb:ro" "$deps_image" bash -c '
    set -euo pipefail
    dpkg -i /tmp/berth.deb >/tmp/dpkg.log 2>&1 || { tail -n 30 /tmp/dpkg.log; exit 1; }
    echo "  installed: $(dpkg-query -W -f="\${Package} \${Version}" berth)"
    echo "  berth CLI: $(berth --version)"
    grep -q "^Exec=berth-app" /usr/share/applications/Berth.desktop
    export HOME=/root XDG_RUNTIME_DIR=/tmp/xdg && mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
    dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
      berth-app >/tmp/app.log 2>&1 &
      app=\$!
      if timeout 60 xdotool search --sync --onlyvisible --name \"^Berth\$\" >/dev/null; then
        echo \"  the installed berth-app shows its window (pid \$app)\"
        kill \$app
        exit 0
      fi
      echo \"bundle-test: no Berth window within 60 s; the app said:\" >&2
      tail -n 30 /tmp/app.log >&2
      exit 1
    "
  '
rc=$?
set -e
[ $rc -eq 0 ] || { echo "bundle-test: FAILED" >&2; exit 1; }
echo "bundle-test: ok — the .deb installs on a clean Debian 12 with its declared dependencies and its app starts ($(( $(date +%s) - t0 )) s)"
