#!/usr/bin/env bash
# Start Debian's dockerd in the background if no engine answers yet, and wait until it does.
# Idempotent: does nothing when /var/run/docker.sock already answers.
set -euo pipefail
DOCKER=/usr/bin/docker
sock=/var/run/docker.sock
if [ -S "$sock" ] && "$DOCKER" -H "unix://$sock" version >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "start-dockerd: dockerd is not installed (apt-get install -y docker.io)" >&2
  exit 1
fi
log=${DOCKERD_LOG:-/tmp/berth-dockerd.log}
echo "start-dockerd: starting dockerd (log: $log)"
# Its own session (setsid): killing the process group of whatever started it (a test runner,
# a shell job) must not take the engine down with it.
setsid nohup dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if "$DOCKER" -H "unix://$sock" version >/dev/null 2>&1; then
    echo "start-dockerd: engine ready"
    exit 0
  fi
  sleep 0.5
done
echo "start-dockerd: dockerd did not answer within 30 s; last log lines:" >&2
tail -n 20 "$log" >&2
exit 1
