#!/usr/bin/env bash
# The project's Docker engine: its own containerd (own root, state and socket, no CRI) and
# a dockerd on its own socket, without bridge, iptables or ip_forward changes. Both are
# stopped by the PID recorded at start (local/lib/process.sh), never by name.
#
# Usage: engine.sh start | stop | status
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

docker_ping() { curl -fsS --max-time 3 --unix-socket "$DOCKER_SOCK" http://docker/_ping; }
containerd_ping() { ctr --address "$CTRD_SOCK" version; }

start_containerd() {
    if proc_pid "$CTRD_PIDFILE" containerd > /dev/null; then return 0; fi
    mkdir -p "$CTRD_ROOT" "$CTRD_STATE"
    # Our own containerd: it can never clash with the containerd of the Kubernetes cluster,
    # whatever socket that one uses.
    cat > "$STATE/containerd.toml" << TOML
version = 2
root = "$CTRD_ROOT"
state = "$CTRD_STATE"
oom_score = 0
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD_ROOT/opt"
TOML
    proc_start containerd "$CTRD_PIDFILE" "$CTRD_LOG" containerd --config "$STATE/containerd.toml"
    proc_wait_for containerd 30 "$CTRD_LOG" containerd_ping
}

start_dockerd() {
    if proc_pid "$DOCKER_PIDFILE" dockerd > /dev/null; then return 0; fi
    mkdir -p "$DOCKER_DATA" "$DOCKER_EXEC" "$DOCKER_CONFIG"
    echo '{}' > "$STATE/daemon.json"
    # No bridge, no iptables, no ip_forward change: builds use `--network host`, test
    # containers `--network none`; nothing in the host's network setup is touched.
    # dockerd writes its own pidfile (--pidfile): proc_start is given none.
    proc_start dockerd "" "$DOCKER_LOG" dockerd \
        --config-file "$STATE/daemon.json" \
        --data-root "$DOCKER_DATA" \
        --exec-root "$DOCKER_EXEC" \
        --pidfile "$DOCKER_PIDFILE" \
        --host "unix://$DOCKER_SOCK" \
        --containerd "$CTRD_SOCK" \
        --storage-driver overlay2 \
        --bridge none --iptables=false --ip-forward=false --ip-masq=false \
        --oom-score-adjust 0
    local launcher=$PROC_STARTED_PID
    proc_wait_for dockerd 60 "$DOCKER_LOG" docker_ping
    # make sure the pidfile names the process we launched
    proc_pid "$DOCKER_PIDFILE" dockerd > /dev/null || echo "$launcher" > "$DOCKER_PIDFILE"
}

cmd_start() {
    need_root
    mkdir -p "$STATE" "$CACHE"
    start_containerd
    start_dockerd
}

# mount points below a directory, deepest first
mounts_under() {
    local base
    base=$(readlink -f "$1" 2> /dev/null) || return 0
    awk -v b="$base" '$5 == b || index($5, b "/") == 1 {print $5}' /proc/self/mountinfo | sort -r
}

cmd_stop() {
    need_root
    local p m d
    proc_stop dockerd "$DOCKER_PIDFILE" dockerd 40
    proc_stop containerd "$CTRD_PIDFILE" containerd 20
    # container shims of OUR containerd (identified by its socket on their command line)
    for p in /proc/[0-9]*; do
        case "$(readlink "$p/exe" 2> /dev/null)" in
            */containerd-shim*) ;;
            *) continue ;;
        esac
        if tr '\0' ' ' < "$p/cmdline" 2> /dev/null | grep -qF -- "$CTRD_SOCK"; then
            proc_stop_pid containerd-shim "${p#/proc/}" 10
        fi
    done
    # mounts left below our directories (overlay layers, netns, shm) - normally none
    for d in "$DOCKER_EXEC" "$DOCKER_DATA" "$CTRD_STATE" "$CTRD_ROOT"; do
        while IFS= read -r m; do
            [ -n "$m" ] || continue
            log "unmounting leftover $m"
            umount "$m" 2> /dev/null || umount -l "$m" || log "WARNING: could not unmount $m"
        done < <(mounts_under "$d")
    done
    rm -f "$DOCKER_SOCK" "$CTRD_SOCK" "$CTRD_SOCK.ttrpc"
    # dockerd runs with --bridge none --iptables=false: it creates no bridge or chain;
    # say so if something like that exists anyway (not ours to remove).
    if ip link show docker0 > /dev/null 2>&1; then
        log "note: a docker0 bridge exists; it was not created by this dockerd (--bridge none)"
    fi
}

cmd_status() {
    local rc=0 pid
    if pid=$(proc_pid "$CTRD_PIDFILE" containerd); then
        if containerd_ping > /dev/null 2>&1; then
            echo "containerd: running pid $pid, healthy ($CTRD_SOCK)"
        else
            echo "containerd: running pid $pid, NOT answering on $CTRD_SOCK"
            rc=1
        fi
    else
        echo "containerd: stopped"
        rc=1
    fi
    if pid=$(proc_pid "$DOCKER_PIDFILE" dockerd); then
        if docker_ping > /dev/null 2>&1; then
            echo "dockerd:    running pid $pid, healthy (DOCKER_HOST=$DOCKER_HOST, server $($DOCKER version -f '{{.Server.Version}}' 2> /dev/null))"
        else
            echo "dockerd:    running pid $pid, NOT answering on $DOCKER_SOCK"
            rc=1
        fi
    else
        echo "dockerd:    stopped"
        rc=1
    fi
    return "$rc"
}

main() {
    case "${1:-}" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        *) die "usage: engine.sh start | stop | status" ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
