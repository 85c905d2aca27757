#!/usr/bin/env bash
# A second Docker engine on this machine, as a stand-in for a remote host: its own socket,
# data root, exec root, bridge and containerd, so nothing is shared with the first engine
# (images, containers, networks). `berth deploy --engine unix:///run/berth-dockerd2/docker.sock`
# targets it. It also listens on tcp://127.0.0.1:23762 with TLS (--tlsverify: clients need
# a certificate signed by its own CA, made here with openssl on first start), as a remote
# engine reached the way `docker context create --docker host=tcp://…,ca=…,cert=…,key=…` or
# DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=… reach one.
#
#   bash scripts/second-dockerd.sh start     # idempotent: does nothing when it answers
#   bash scripts/second-dockerd.sh stop      # stops it (its data root stays)
#   bash scripts/second-dockerd.sh host      # prints its socket address
#   bash scripts/second-dockerd.sh tls-host  # prints its TLS address
#   bash scripts/second-dockerd.sh cert-dir  # prints the client's folder (ca.pem cert.pem key.pem)
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
tls_port=${BERTH_DOCKERD2_TLS_PORT:-23762}
tls_host="tcp://127.0.0.1:$tls_port"
tls="$run/tls"

answers() {
  "$DOCKER" -H "$host" version >/dev/null 2>&1 &&
    "$DOCKER" -H "$tls_host" --tlsverify --tlscacert "$tls/client/ca.pem" \
      --tlscert "$tls/client/cert.pem" --tlskey "$tls/client/key.pem" version >/dev/null 2>&1
}

# A CA, the engine's certificate (for 127.0.0.1) and a client certificate, once.
make_certs() {
  [ -f "$tls/client/key.pem" ] && return 0
  command -v openssl >/dev/null || { echo "second-dockerd: openssl is not installed" >&2; exit 1; }
  mkdir -p "$tls/server" "$tls/client"
  chmod 700 "$tls"
  local d; d=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=berth-dockerd2 CA" \
    -keyout "$d/ca-key.pem" -out "$tls/server/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  cp "$tls/server/ca.pem" "$tls/client/ca.pem"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$tls/server/key.pem" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$tls/server/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$d/server.ext" -out "$tls/server/cert.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=berth-client" -keyout "$tls/client/key.pem" -out "$d/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' >"$d/client.ext"
  openssl x509 -req -in "$d/client.csr" -CA "$tls/server/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$d/client.ext" -out "$tls/client/cert.pem" 2>/dev/null
  rm -rf "$d"
}

case "${1:-start}" in
  host)
    echo "$host"
    ;;
  tls-host)
    echo "$tls_host"
    ;;
  cert-dir)
    echo "$tls/client"
    ;;
  start)
    # Tests start it in parallel: one of them starts it, the others wait, then find it
    # answering. dockerd must not inherit the lock (9>&- below), or it would hold it forever.
    exec 9>"${BERTH_DOCKERD2_LOCK:-/run/berth-dockerd2.lock}"
    flock 9
    if [ -S "$sock" ] && answers; then
      exit 0
    fi
    # One that answers on its socket but not with TLS is an older start of this script.
    if [ -f "$run/docker.pid" ] && kill -0 "$(cat "$run/docker.pid")" 2>/dev/null; then
      bash "$0" stop
    fi
    make_certs
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
      --host "$tls_host" \
      --tlsverify --tlscacert "$tls/server/ca.pem" \
      --tlscert "$tls/server/cert.pem" --tlskey "$tls/server/key.pem" \
      --data-root "$data" \
      --exec-root "$run/exec" \
      --pidfile "$run/docker.pid" \
      --bridge "$bridge" \
      --iptables=false --ip6tables=false \
      >"$log" 2>&1 </dev/null 9>&- &
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
