#!/usr/bin/env bash
# A throwaway sshd on 127.0.0.1 for the ssh:// engine test (crates/cli/tests/deploy_cli.rs):
# its own host key, a client key allowed to log in as the current user, and an ssh client
# config naming it `berth-sshd`. Nothing in ~/.ssh or /etc/ssh is touched: the client runs as
# BERTH_SSH_COMMAND="ssh -F /run/berth-sshd/ssh_config".
#
#   bash scripts/test-sshd.sh start    # idempotent
#   bash scripts/test-sshd.sh stop
#   bash scripts/test-sshd.sh command  # prints the BERTH_SSH_COMMAND value
#
# Needs root (it listens as root and lets the client in as root, like a remote host's admin
# login) and Debian's openssh-server (scripts/setup-debian.sh).
set -euo pipefail
dir=${BERTH_SSHD_DIR:-/run/berth-sshd}
port=${BERTH_SSHD_PORT:-22122}
cmd="ssh -F $dir/ssh_config"

answers() {
  $cmd -o BatchMode=yes berth-sshd true >/dev/null 2>&1
}

case "${1:-start}" in
  command)
    echo "$cmd"
    ;;
  start)
    if [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null && answers; then
      exit 0
    fi
    [ -x /usr/sbin/sshd ] || { echo "test-sshd: openssh-server is not installed" >&2; exit 1; }
    mkdir -p "$dir" /run/sshd
    chmod 700 "$dir"
    [ -f "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
    [ -f "$dir/client_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    cat >"$dir/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowStreamLocalForwarding yes
CFG
    cat >"$dir/ssh_config" <<CFG
Host berth-sshd
  HostName 127.0.0.1
  Port $port
  User $(id -un)
  IdentityFile $dir/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  StrictHostKeyChecking accept-new
CFG
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    for _ in $(seq 1 40); do
      if answers; then
        echo "test-sshd: listening on 127.0.0.1:$port (client: $cmd berth-sshd)"
        exit 0
      fi
      sleep 0.25
    done
    echo "test-sshd: no login within 10 s; its log:" >&2
    tail -n 20 "$dir/sshd.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$dir/sshd.pid" ]; then
      kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
      rm -f "$dir/sshd.pid"
    fi
    ;;
  *)
    echo "usage: $0 start|stop|command" >&2
    exit 2
    ;;
esac
