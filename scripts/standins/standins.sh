#!/usr/bin/env bash
# Stand-ins for the official base images Berth's generated Dockerfiles and compose files use,
# built from Debian bookworm packages and tagged with the official names, so the real-build
# suite (crates/cli/tests/real_builds.rs) can build and run real projects on a machine that
# reaches Debian's mirror, PyPI and npm but no container registry.
#
# Usage: scripts/standins/standins.sh [build|check|list|remove]
#   build   (default) build every stand-in whose tag is missing or whose recipe changed
#   check   exit 0 when every tag is present and current, 1 (naming what is not) otherwise
#   list    print the tags, one a line
#   remove  remove the stand-in images (only images carrying the stand-in label)
# `make standins` runs `build`; `make test` runs it before the suites.
#
# How: one `debootstrap --variant=minbase bookworm` rootfs, imported with `docker import` as
# berth-standin/rootfs:bookworm-<hash>; base/Dockerfile adds the host's CA bundle (a
# TLS-inspecting proxy's CA is in it: without it pip fails with CERTIFICATE_VERIFY_FAILED) and
# the SSL_CERT_FILE / PIP_CERT / REQUESTS_CA_BUNDLE / NODE_EXTRA_CA_CERTS variables -> image
# berth-standin/base:bookworm; each <name>/Dockerfile installs its packages with apt-get on
# that base. One debootstrap (~70-90 s here) serves all nine tags; a debootstrap per image
# would cost that eight times. npm comes from the registry (node/fetch-npm.js, pinned sha512):
# Debian's npm package alone took a minute of dpkg. The images are built with the classic
# builder (DOCKER_BUILDKIT=0: works with Debian's docker CLI, which has no buildx).
#
# Caching: each image carries the label dev.berth.standin.recipe=<sha256 of its recipe: the
# debootstrap arguments, base/ and its own folder, the CA bundle>. A tag whose label matches is
# skipped; a changed recipe rebuilds. A tag that exists WITHOUT the stand-in label is a real
# official image: it is left alone and used as it is.
#
# Needs: root (debootstrap), debootstrap, a running Docker engine.
# Environment: DOCKER (default /usr/bin/docker), BERTH_STANDIN_CA (default
# /etc/ssl/certs/ca-certificates.crt), BERTH_STANDIN_MIRROR (default: debootstrap's own).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DOCKER=${DOCKER:-/usr/bin/docker}
CA=${BERTH_STANDIN_CA:-/etc/ssl/certs/ca-certificates.crt}
MIRROR=${BERTH_STANDIN_MIRROR:-}
SUITE=bookworm
DEBOOTSTRAP_ARGS=(--variant=minbase --include=ca-certificates,busybox-static)
LABEL=dev.berth.standin.recipe
BASE=berth-standin/base:$SUITE

# <folder>|<tags>: the official names Berth's plan defaults and templates use
# (crates/core/src/plan/defaults.rs, plan/wiring.rs). Python is Debian's 3.11 under the
# default 3.12 tag and the 3.11 tag a `requires-python >=3.11` project asks for.
IMAGES=(
  "python|python:3.12-slim-bookworm python:3.11-slim-bookworm"
  "node|node:22-bookworm-slim"
  "redis|redis:7-alpine"
  "postgres|postgres:16-alpine"
  "nginx|nginxinc/nginx-unprivileged:1.27-alpine"
  "busybox|busybox:1.37.0-musl"
  "rust|rust:1.83-slim-bookworm"
  "debian|debian:bookworm-slim"
)

sha() { sha256sum | cut -c1-64; }
# Content hash of a recipe folder: names, modes and bytes, independent of mtimes.
hash_dir() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - -C "$1" . | sha
}
rootfs_hash() { printf '%s\n' "$SUITE" "${DEBOOTSTRAP_ARGS[@]}" "$MIRROR" | sha; }
base_hash() {
  { rootfs_hash; hash_dir "$HERE/base"; sha <"$CA"; } | sha
}
image_hash() { { base_hash; hash_dir "$HERE/$1"; } | sha; }
rootfs_tag() { echo "berth-standin/rootfs:$SUITE-$(rootfs_hash | cut -c1-12)"; }

# missing | current | stale (a stand-in of another recipe) | official (not a stand-in)
status() {
  local tag=$1 want=$2 got
  if ! got=$("$DOCKER" image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$tag" 2>/dev/null); then
    echo missing
  elif [ "$got" = "$want" ]; then
    echo current
  elif [ -z "$got" ] || [ "$got" = "<no value>" ]; then
    echo official
  else
    echo stale
  fi
}

now() { date +%s; }

# Run docker build quietly into a log; show its tail when it fails.
build() {
  local name=$1 log
  shift
  log=$(mktemp "${TMPDIR:-/tmp}/berth-standin-$name.XXXXXX.log")
  if ! DOCKER_BUILDKIT=0 "$DOCKER" build --label dev.berth.standin=1 "$@" >"$log" 2>&1; then
    echo "standins: building $name failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  rm -f "$log"
}

ensure_rootfs() {
  local tag dir t0
  tag=$(rootfs_tag)
  if "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "standins: debootstrap needs root: run this script (or make standins) as root" >&2
    exit 1
  fi
  command -v debootstrap >/dev/null 2>&1 || {
    echo "standins: debootstrap is missing (apt-get install -y debootstrap, or make setup)" >&2
    exit 1
  }
  t0=$(now)
  dir=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-rootfs.XXXXXX")
  # shellcheck disable=SC2064 # expand $dir now
  trap "rm -rf --one-file-system '$dir'" EXIT
  echo "standins: debootstrap $SUITE (minbase) into $dir"
  local log="$dir.log"
  # shellcheck disable=SC2086 # MIRROR is empty or one word
  if ! debootstrap "${DEBOOTSTRAP_ARGS[@]}" "$SUITE" "$dir" $MIRROR >"$log" 2>&1; then
    echo "standins: debootstrap failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  rm -f "$log"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar --numeric-owner -C "$dir" -c . | "$DOCKER" import - "$tag" >/dev/null
  rm -rf --one-file-system "$dir"
  trap - EXIT
  # Rootfs images of older recipes (their tags carry another hash).
  local old
  for old in $("$DOCKER" images --format '{{.Repository}}:{{.Tag}}' | grep '^berth-standin/rootfs:' | grep -vx "$tag" || true); do
    "$DOCKER" rmi "$old" >/dev/null 2>&1 || true
  done
  echo "standins: $tag imported in $(($(now) - t0)) s"
}

ensure_base() {
  local want t0 ctx
  want=$(base_hash)
  [ "$(status "$BASE" "$want")" = current ] && return
  ensure_rootfs
  t0=$(now)
  ctx=$(mktemp -d)
  cp "$HERE"/base/* "$ctx"/
  cp "$CA" "$ctx/ca-certificates.crt"
  sed -i "s#^FROM berth-standin/rootfs:.*#FROM $(rootfs_tag)#" "$ctx/Dockerfile"
  build base --label "$LABEL=$want" -t "$BASE" "$ctx"
  rm -rf "$ctx"
  echo "standins: $BASE built in $(($(now) - t0)) s"
}

cmd_build() {
  local t_all entry name tags want tag st t0 built=0
  t_all=$(now)
  for entry in "${IMAGES[@]}"; do
    name=${entry%%|*}
    tags=${entry#*|}
    want=$(image_hash "$name")
    local args=() todo=()
    for tag in $tags; do
      st=$(status "$tag" "$want")
      case $st in
        current) ;;
        official) echo "standins: $tag is a real image (no stand-in label): used as it is" ;;
        *) args+=(-t "$tag") && todo+=("$tag") ;;
      esac
    done
    [ ${#args[@]} -eq 0 ] && continue
    ensure_base
    t0=$(now)
    build "$name" --label "$LABEL=$want" "${args[@]}" "$HERE/$name"
    echo "standins: $name (${todo[*]}) built in $(($(now) - t0)) s"
    built=$((built + 1))
  done
  # What a rebuild untagged (an older recipe's image) and the classic builder's leftovers.
  "$DOCKER" image prune -f --filter label=dev.berth.standin=1 >/dev/null
  echo "standins: $built image(s) built, the rest current, in $(($(now) - t_all)) s"
}

cmd_check() {
  local entry name tags want tag st bad=0
  for entry in "${IMAGES[@]}"; do
    name=${entry%%|*}
    tags=${entry#*|}
    want=$(image_hash "$name")
    for tag in $tags; do
      st=$(status "$tag" "$want")
      echo "$st $tag"
      case $st in current | official) ;; *) bad=1 ;; esac
    done
  done
  if [ $bad = 1 ]; then
    echo "standins: some stand-in images are missing or stale: run \`make standins\`" >&2
    return 1
  fi
}

cmd_list() {
  local entry
  for entry in "${IMAGES[@]}"; do
    tr ' ' '\n' <<<"${entry#*|}"
  done
}

cmd_remove() {
  local tags
  # The official-name tags first, then the base and the rootfs they are built on.
  tags=$("$DOCKER" images --filter label=dev.berth.standin=1 --format '{{.Repository}}:{{.Tag}}' |
    grep -v -e '<none>' -e "^$BASE\$" || true)
  tags+=$'\n'$BASE$'\n'$("$DOCKER" images --format '{{.Repository}}:{{.Tag}}' |
    grep '^berth-standin/rootfs:' || true)
  for tag in $tags; do
    "$DOCKER" rmi "$tag" >/dev/null 2>&1 || true
  done
  "$DOCKER" image prune -f --filter label=dev.berth.standin=1 >/dev/null
  echo "standins: removed"
}

case ${1:-build} in
  build) cmd_build ;;
  check) cmd_check ;;
  list) cmd_list ;;
  remove) cmd_remove ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
