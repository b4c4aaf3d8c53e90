#!/usr/bin/env bash
# The object store's process: s3gw (build.sh) serving $STATE/data through the S3 API on the
# bind address, with one account whose keys are in $STATE/credentials.env.
#
# Usage: service.sh up | status | down [--purge]
#   up            build or reuse s3gw, take the keys given in OBJECTSTORE_ACCESS_KEY_ID and
#                 OBJECTSTORE_SECRET_ACCESS_KEY (restarting a store that runs with others)
#                 or generate a pair on first use, start, wait until the S3 API answers
#   status        PID and health; exit 1 if the store is not running and healthy
#   down          stop s3gw by PID: SIGTERM, a bounded wait (OBJECTSTORE_STOP_TIMEOUT, 10 s),
#                 then SIGKILL
#   down --purge  also delete the data, logs and credentials
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

START_TIMEOUT=${OBJECTSTORE_START_TIMEOUT:-30}
STOP_TIMEOUT=${OBJECTSTORE_STOP_TIMEOUT:-10}

random_string() { # LENGTH CHARSET
    local s
    s=$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc "$2")
    [ "${#s}" -ge "$1" ] || die "could not read random bytes from /dev/urandom"
    printf '%s\n' "${s:0:$1}"
}

# given_credentials_differ: true if the caller gives keys (OBJECTSTORE_ACCESS_KEY_ID and
# OBJECTSTORE_SECRET_ACCESS_KEY, e.g. a stack's secrets) that credentials.env does not hold.
given_credentials_differ() {
    [ -n "${OBJECTSTORE_ACCESS_KEY_ID:-}" ] || return 1
    [ -s "$CREDS" ] || return 0
    load_credentials
    [ "$AWS_ACCESS_KEY_ID" != "$OBJECTSTORE_ACCESS_KEY_ID" ] \
        || [ "$AWS_SECRET_ACCESS_KEY" != "${OBJECTSTORE_SECRET_ACCESS_KEY:-}" ]
}

write_credentials() { # ACCESS-KEY SECRET
    (
        umask 077
        printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$1" "$2" > "$CREDS.tmp"
    )
    mv "$CREDS.tmp" "$CREDS"
}

# ensure_credentials: the keys the caller gives, or else keys generated on first use, in
# credentials.env (0600); loads them.
ensure_credentials() {
    mkdir -p "$STATE"
    if given_credentials_differ; then
        [ -n "${OBJECTSTORE_SECRET_ACCESS_KEY:-}" ] \
            || die "OBJECTSTORE_ACCESS_KEY_ID is set but OBJECTSTORE_SECRET_ACCESS_KEY is not"
        log "using the S3 credentials given by the caller"
        write_credentials "$OBJECTSTORE_ACCESS_KEY_ID" "$OBJECTSTORE_SECRET_ACCESS_KEY"
    fi
    if [ ! -s "$CREDS" ]; then
        log "generating S3 credentials in $CREDS"
        write_credentials "PSK$(random_string 17 'A-Z0-9')" "$(random_string 40 'A-Za-z0-9')"
    fi
    chmod 600 "$CREDS"
    load_credentials
}

address_present() { ip -o addr show | awk -v a="$1" '{split($4, p, "/")} p[1] == a {f = 1} END {exit !f}'; }
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }

# healthy: the S3 API answers, and refuses an anonymous request (403).
healthy() { [ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$(s3_url)/")" = 403 ]; }

# Earlier versions of this project ran SeaweedFS here (weed.pid, s3.json, data/ in weed's
# own format, which s3gw cannot read): stop that process, move its data aside, drop s3.json.
retire_seaweedfs() {
    local pid
    if pid=$(proc_pid "$STATE/weed.pid" weed); then proc_stop_pid "weed (SeaweedFS, this project's earlier store)" "$pid" 5; fi
    rm -f "$STATE/weed.pid" "$STATE/s3.json" "$STATE/filer.sock" "$STATE/s3.sock"
    if [ -d "$DATA_DIR/filerldb2" ] || [ -d "$DATA_DIR/m9333" ]; then
        log "moving the SeaweedFS data of an earlier version aside: $STATE/seaweedfs-data.old (down --purge deletes it)"
        rm -rf "$STATE/seaweedfs-data.old"
        mv "$DATA_DIR" "$STATE/seaweedfs-data.old"
    fi
}

cmd_up() {
    local pid bin t0
    resolve_bind
    if running_pid > /dev/null && given_credentials_differ; then
        log "restarting with the S3 credentials given by the caller"
        cmd_down
        resolve_bind
    fi
    if pid=$(running_pid); then
        [ "$BIND" = "${OBJECTSTORE_BIND:-$BIND}" ] \
            || die "already running on $BIND (pid $pid); run objectstore.sh down first"
        log "already running (pid $pid) on $(s3_url)"
        proc_wait_for "object store" "$START_TIMEOUT" "$LOG" healthy
        return 0
    fi
    if ! address_present "$BIND"; then
        if [ "$BIND" = "$OBJECTSTORE_DEFAULT_BIND" ]; then
            die "bind address $BIND (the local cluster's bridge) is not on this host: start the local cluster first: npm run cluster -- up (or set OBJECTSTORE_BIND)"
        fi
        die "bind address $BIND (OBJECTSTORE_BIND) is not on this host"
    fi
    if port_busy "$OBJECTSTORE_PORT"; then
        die "port $OBJECTSTORE_PORT is already in use: $(ss -Hltnp "sport = :$OBJECTSTORE_PORT" | head -n 2)"
    fi
    bin=$(bash "$OBJECTSTORE_DIR/build.sh")
    retire_seaweedfs
    ensure_credentials
    mkdir -p "$DATA_DIR" "$LOG_DIR"
    printf 'BIND=%s\nPORT=%s\n' "$BIND" "$OBJECTSTORE_PORT" > "$RUN_ENV"
    t0=$(date +%s%N)
    # The keys reach s3gw through its environment, never its command line.
    ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
        proc_start s3gw "$PIDFILE" "$LOG" "$bin" -listen "$BIND:$OBJECTSTORE_PORT" -root "$DATA_DIR" \
        -region "$OBJECTSTORE_REGION"
    proc_wait_for "object store" "$START_TIMEOUT" "$LOG" healthy
    t0=$((($(date +%s%N) - t0) / 100000000))
    log "ready in $((t0 / 10)).$((t0 % 10))s: $(s3_url) (pid $(cat "$PIDFILE"))"
}

cmd_status() {
    local pid
    resolve_bind
    if ! pid=$(running_pid); then
        echo "objectstore: stopped"
        return 1
    fi
    if healthy; then
        echo "objectstore: running pid $pid, healthy, S3 $(s3_url) (data $DATA_DIR)"
    else
        echo "objectstore: running pid $pid, NOT healthy on $BIND (log $LOG)"
        return 1
    fi
}

cmd_down() {
    local purge=0 i
    case "${1:-}" in
        "") ;;
        --purge) purge=1 ;;
        *) die "unknown option to down: $1 (only --purge)" ;;
    esac
    resolve_bind
    proc_stop s3gw "$PIDFILE" s3gw "$STOP_TIMEOUT"
    if proc_pid "$STATE/weed.pid" weed > /dev/null; then retire_seaweedfs; fi
    for ((i = 0; i < 50; i++)); do
        ss -Hltn "src $BIND:$OBJECTSTORE_PORT" | grep -q . || break
        sleep 0.1
    done
    rm -f "$RUN_ENV"
    if [ "$purge" = 1 ] && [ -d "$STATE" ]; then
        log "purging $STATE (data, logs, credentials)"
        rm -rf "$STATE"
    fi
}

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        up) cmd_up ;;
        status) cmd_status ;;
        down) cmd_down "$@" ;;
        *) die "usage: service.sh up | status | down [--purge]" ;;
    esac
}

main "$@"
