#!/usr/bin/env bash
# A second Docker engine on this machine, as a stand-in for a remote host: its own socket,
# data root, exec root, bridge and containerd, so nothing is shared with the first engine
# (images, containers, networks). `berth deploy --engine unix:///run/berth-dockerd2/docker.sock`
# targets it.
#
#   bash scripts/second-dockerd.sh start   # idempotent: does nothing when it answers
#   bash scripts/second-dockerd.sh stop    # stops it (its data root stays)
#   bash scripts/second-dockerd.sh host    # prints its address
#
# Needs root (like scripts/start-dockerd.sh). iptables is off for this engine so its rules
# never touch the first engine's chains: published ports go through docker-proxy, which is
# enough for loopback publishing.
set -euo pipefail
DOCKER=/usr/bin/docker
run=${BERTH_DOCKERD2_RUN:-/run/berth-dockerd2}
data=${BERTH_DOCKERD2_DATA:-/var/lib/berth-dockerd2}
bridge=${BERTH_DOCKERD2_BRIDGE:-berth-br2}
cidr=${BERTH_DOCKERD2_CIDR:-172.31.250.1/24}
sock="$run/docker.sock"
host="unix://$sock"
log=${BERTH_DOCKERD2_LOG:-/tmp/berth-dockerd2.log}

answers() { "$DOCKER" -H "$host" version >/dev/null 2>&1; }

case "${1:-start}" in
  host)
    echo "$host"
    ;;
  start)
    if [ -S "$sock" ] && answers; then
      exit 0
    fi
    command -v dockerd >/dev/null || { echo "second-dockerd: dockerd is not installed" >&2; exit 1; }
    mkdir -p "$run" "$data"
    if ! ip link show "$bridge" >/dev/null 2>&1; then
      ip link add "$bridge" type bridge
      ip addr add "$cidr" dev "$bridge"
    fi
    ip link set "$bridge" up
    echo "second-dockerd: starting on $host (data root $data, log $log)"
    # Its own session: killing whatever started it must not take it down.
    setsid nohup dockerd \
      --host "$host" \
      --data-root "$data" \
      --exec-root "$run/exec" \
      --pidfile "$run/docker.pid" \
      --bridge "$bridge" \
      --iptables=false --ip6tables=false \
      >"$log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do
      if answers; then
        echo "second-dockerd: engine ready"
        exit 0
      fi
      sleep 0.5
    done
    echo "second-dockerd: no answer within 30 s; last log lines:" >&2
    tail -n 20 "$log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$run/docker.pid" ]; then
      pid=$(cat "$run/docker.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
    fi
    ip link del "$bridge" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop|host" >&2
    exit 2
    ;;
esac
