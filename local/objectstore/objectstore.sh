#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Local S3-compatible object store for pyspark-k8s: one SeaweedFS `weed server` (master,
# volume, filer and S3 gateway in one process) built from the Go module proxy.
#
# Usage: objectstore.sh up | status | down [--purge] | env
#   up            build (or reuse) weed, create credentials on first use (or take the ones
#                 given in OBJECTSTORE_ACCESS_KEY_ID and OBJECTSTORE_SECRET_ACCESS_KEY,
#                 restarting a store that runs with others), start the store on the bind
#                 address and wait until the S3 gateway answers
#   build         build (or reuse) weed only
#   status        PID and health; exit 1 if the store is not running and healthy
#   down          stop weed by PID: SIGTERM, a bounded wait (OBJECTSTORE_STOP_TIMEOUT, 5 s),
#                 then SIGKILL (weed may not exit on SIGTERM: README.md)
#   down --purge  also delete the data, logs and credentials
#   env           print S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
#                 as KEY=value lines (`set -a; eval "$(objectstore.sh env)"; set +a`)
#   put BUCKET KEY FILE   upload FILE (creating BUCKET if needed), signed with the keys
#   get BUCKET KEY OUT    download an object into OUT
#   list BUCKET [PREFIX]  the keys under PREFIX, one a line
#
# Bind address of the S3 gateway (S3 port and its gRPC port): OBJECTSTORE_BIND, default the
# local cluster's bridge IP (versions.env); `up` fails if the address is not on the host.
# weed's internal servers (master, volume, filer: unauthenticated) listen on 127.0.0.1 only.
# Binary:  ${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/objectstore/bin/<stamp>/weed
# State:   ${PSK_STATE:-/var/lib/pyspark-k8s}/objectstore/ (data/, logs/, weed.pid,
#          credentials.env, s3.json, run.env)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"

CACHE=${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/objectstore
STATE=${PSK_STATE:-/var/lib/pyspark-k8s}/objectstore
DATA_DIR=$STATE/data
LOG_DIR=$STATE/logs
LOG=$LOG_DIR/weed.log
PIDFILE=$STATE/weed.pid
CREDS=$STATE/credentials.env
S3_CONFIG=$STATE/s3.json
RUN_ENV=$STATE/run.env
START_TIMEOUT=${OBJECTSTORE_START_TIMEOUT:-90}
STOP_TIMEOUT=${OBJECTSTORE_STOP_TIMEOUT:-5}

log() { printf '[objectstore %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    printf '[objectstore] ERROR: %s\n' "$*" >&2
    exit 1
}

# shellcheck source=../lib/process.sh
. "$HERE/../lib/process.sh"

usage() { sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# ---------------------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------------------
build_stamp() {
    local gov
    gov=$(go env GOVERSION)
    printf '%s-%s\n' "${SEAWEEDFS_VERSION##*-}" "$gov"
}

# gen_module DIR: a wrapper module requiring SeaweedFS at the pin, with its replace lines
# (a dependency's replace directives do not apply to the main module otherwise).
gen_module() {
    local dir=$1 gomod
    mkdir -p "$dir"
    gomod=$(go mod download -json "$SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION" \
        | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p') \
        || die "go mod download $SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION failed (GOPROXY=$(go env GOPROXY))"
    [ -f "$gomod" ] || die "could not locate go.mod of $SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION"
    {
        printf 'module psk.local/objectstore/weedbuild\n\n'
        sed -n 's/^go \([0-9.]*\)$/go \1/p' "$gomod"
        printf '\nrequire %s %s\n\n' "$SEAWEEDFS_MODULE" "$SEAWEEDFS_VERSION"
        # single-line and block replace directives, copied as they are
        awk '/^replace \(/ {b = 1; print; next} b && /^\)/ {b = 0; print; next}
             b || /^replace / {print}' "$gomod"
    } > "$dir/go.mod"
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s/weed"\n' "$SEAWEEDFS_MODULE" \
        > "$dir/tools.go"
}

# ensure_weed: sets WEED to the built binary, building it on first use.
ensure_weed() {
    command -v go > /dev/null || die "go toolchain not found (the cluster's build needs it too)"
    local bin work t0
    bin=$CACHE/bin/$(build_stamp)
    WEED=$bin/weed
    [ -x "$WEED" ] && return 0
    work=$CACHE/build
    t0=$(date +%s)
    log "building weed $SEAWEEDFS_VERSION into $bin (cold: minutes on 2 cores)"
    gen_module "$work"
    mkdir -p "$bin"
    (
        cd "$work"
        export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
        go mod tidy > "$work/tidy.log" 2>&1 || {
            cat "$work/tidy.log" >&2
            exit 1
        }
        go build -trimpath -ldflags "-s -w" -o "$bin/weed.tmp" "$SEAWEEDFS_MODULE/weed"
    ) || die "building weed $SEAWEEDFS_VERSION failed"
    mv "$bin/weed.tmp" "$WEED"
    log "built weed in $(($(date +%s) - t0))s: $("$WEED" version 2> /dev/null | head -n 1)"
}

# ---------------------------------------------------------------------------------------
# credentials
# ---------------------------------------------------------------------------------------
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

# ensure_credentials: the keys the caller gives, or else keys generated on first use, in
# credentials.env (0600); writes s3.json from it.
ensure_credentials() {
    mkdir -p "$STATE"
    if given_credentials_differ; then
        [ -n "${OBJECTSTORE_SECRET_ACCESS_KEY:-}" ] \
            || die "OBJECTSTORE_ACCESS_KEY_ID is set but OBJECTSTORE_SECRET_ACCESS_KEY is not"
        log "using the S3 credentials given by the caller"
        (
            umask 077
            printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' \
                "$OBJECTSTORE_ACCESS_KEY_ID" "$OBJECTSTORE_SECRET_ACCESS_KEY" > "$CREDS.tmp"
        )
        mv "$CREDS.tmp" "$CREDS"
    fi
    if [ ! -s "$CREDS" ]; then
        log "generating S3 credentials in $CREDS"
        (
            umask 077
            printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' \
                "PSK$(random_string 17 'A-Z0-9')" "$(random_string 40 'A-Za-z0-9')" > "$CREDS.tmp"
        )
        mv "$CREDS.tmp" "$CREDS"
    fi
    chmod 600 "$CREDS"
    load_credentials
    (
        umask 077
        cat > "$S3_CONFIG.tmp" << JSON
{
  "identities": [
    {
      "name": "pyspark-k8s",
      "credentials": [{ "accessKey": "$AWS_ACCESS_KEY_ID", "secretKey": "$AWS_SECRET_ACCESS_KEY" }],
      "actions": ["Admin", "Read", "Write", "List", "Tagging"]
    }
  ]
}
JSON
    )
    mv "$S3_CONFIG.tmp" "$S3_CONFIG"
}

load_credentials() {
    [ -s "$CREDS" ] || die "no credentials yet ($CREDS): run objectstore.sh up"
    AWS_ACCESS_KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$CREDS")
    AWS_SECRET_ACCESS_KEY=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$CREDS")
    if [ -z "$AWS_ACCESS_KEY_ID" ] || [ -z "$AWS_SECRET_ACCESS_KEY" ]; then die "malformed $CREDS"; fi
}

# ---------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------
# BIND: the address of the running store (run.env), else OBJECTSTORE_BIND or the default.
running_pid() { proc_pid "$PIDFILE" weed; }
resolve_bind() {
    BIND=${OBJECTSTORE_BIND:-$OBJECTSTORE_DEFAULT_BIND}
    if running_pid > /dev/null && [ -s "$RUN_ENV" ]; then
        BIND=$(sed -n 's/^BIND=//p' "$RUN_ENV")
    fi
}

address_present() { ip -o addr show | awk -v a="$1" '{split($4, p, "/")} p[1] == a {f = 1} END {exit !f}'; }

port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
# ports_closed: none of weed's ports listens any more on the addresses it used.
ports_closed() {
    local p a=$OBJECTSTORE_INTERNAL_BIND
    for p in "$BIND:$OBJECTSTORE_PORT" "$BIND:$((OBJECTSTORE_PORT + 10000))" \
        "$a:$OBJECTSTORE_MASTER_PORT" "$a:$((OBJECTSTORE_MASTER_PORT + 10000))" \
        "$a:$OBJECTSTORE_VOLUME_PORT" "$a:$((OBJECTSTORE_VOLUME_PORT + 10000))" \
        "$a:$OBJECTSTORE_FILER_PORT" "$a:$((OBJECTSTORE_FILER_PORT + 10000))"; do
        ! ss -Hltn "src $p" | grep -q . || return 1
    done
}

s3_url() { printf 'http://%s:%s\n' "$BIND" "$OBJECTSTORE_PORT"; }

# healthy: master, filer and S3 gateway answer; anonymous S3 access is refused (403).
healthy() {
    local internal=$OBJECTSTORE_INTERNAL_BIND
    curl -fsS -o /dev/null --max-time 2 "http://$internal:$OBJECTSTORE_MASTER_PORT/cluster/healthz" \
        && curl -fsS -o /dev/null --max-time 2 "http://$internal:$OBJECTSTORE_FILER_PORT/healthz" \
        && [ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$(s3_url)/")" = 403 ]
}

cmd_up() {
    local pid t0 port
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
    for port in "$OBJECTSTORE_PORT" "$OBJECTSTORE_MASTER_PORT" "$OBJECTSTORE_VOLUME_PORT" \
        "$OBJECTSTORE_FILER_PORT"; do
        if port_busy "$port" || port_busy $((port + 10000)); then
            die "port $port or $((port + 10000)) is already in use: $(ss -Hltnp "( sport = :$port or sport = :$((port + 10000)) )" | head -n 2)"
        fi
    done
    ensure_weed
    ensure_credentials
    mkdir -p "$DATA_DIR" "$LOG_DIR"
    printf 'BIND=%s\nPORT=%s\n' "$BIND" "$OBJECTSTORE_PORT" > "$RUN_ENV"
    t0=$(date +%s%N)
    # Iceberg (8181) and Lance (9101) catalog servers off, no telemetry; the unix sockets
    # weed lets us place go to the state dir (its gRPC ones are fixed under /tmp).
    proc_start weed "$PIDFILE" "$LOG" "$WEED" -logdir="$LOG_DIR" server \
        -dir="$DATA_DIR" -ip="$OBJECTSTORE_INTERNAL_BIND" -ip.bind="$OBJECTSTORE_INTERNAL_BIND" \
        -master.port="$OBJECTSTORE_MASTER_PORT" -master.volumeSizeLimitMB=1024 \
        -master.telemetry=false -master.electionTimeout=2s \
        -volume.port="$OBJECTSTORE_VOLUME_PORT" -volume.max=0 -volume.preStopSeconds=1 \
        -filer -filer.port="$OBJECTSTORE_FILER_PORT" -filer.localSocket="$STATE/filer.sock" \
        -s3 -s3.ip.bind="$BIND" -s3.port="$OBJECTSTORE_PORT" -s3.config="$S3_CONFIG" \
        -s3.localSocket="$STATE/s3.sock" -s3.port.iceberg=0 -s3.port.lance=0
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

# remove_sockets: the unix sockets a SIGKILLed weed leaves behind: ours in the state dir,
# and its gRPC ones under /tmp for our ports, unless some process still listens on them.
remove_sockets() {
    local p path
    for path in "$STATE/filer.sock" "$STATE/s3.sock"; do rm -f "$path"; done
    for p in master:$OBJECTSTORE_MASTER_PORT volume:$OBJECTSTORE_VOLUME_PORT \
        filer:$OBJECTSTORE_FILER_PORT s3:$OBJECTSTORE_PORT; do
        path=/tmp/seaweedfs-${p%%:*}-grpc-$((${p#*:} + 10000)).sock
        [ -S "$path" ] || continue
        if ss -Hlx | awk '{print $5}' | grep -qxF "$path"; then
            log "leaving $path: a process listens on it"
        else
            rm -f "$path"
        fi
    done
}

cmd_down() {
    local purge=0 i
    case "${1:-}" in
        "") ;;
        --purge) purge=1 ;;
        *) die "unknown option to down: $1 (only --purge)" ;;
    esac
    resolve_bind
    proc_stop weed "$PIDFILE" weed "$STOP_TIMEOUT"
    # a killed multi-threaded weed is a zombie a moment before its last threads close its
    # sockets: wait (bounded) for its ports to close before removing the socket files
    for ((i = 0; i < 50; i++)); do
        ports_closed && break
        sleep 0.1
    done
    ports_closed || log "WARNING: ports still listening on $BIND/$OBJECTSTORE_INTERNAL_BIND: $(ss -Hltnp | grep -E ":($OBJECTSTORE_PORT|$OBJECTSTORE_MASTER_PORT|$OBJECTSTORE_VOLUME_PORT|$OBJECTSTORE_FILER_PORT)\b" | head -n 3)"
    remove_sockets
    rm -f "$RUN_ENV"
    if [ "$purge" = 1 ] && [ -d "$STATE" ]; then
        log "purging $STATE (data, logs, credentials)"
        rm -rf "$STATE"
    fi
}

cmd_env() {
    resolve_bind
    load_credentials
    printf 'S3_ENDPOINT=%s\n' "$(s3_url)"
    printf 'AWS_ACCESS_KEY_ID=%s\n' "$AWS_ACCESS_KEY_ID"
    printf 'AWS_SECRET_ACCESS_KEY=%s\n' "$AWS_SECRET_ACCESS_KEY"
    printf 'AWS_REGION=%s\n' "$OBJECTSTORE_REGION"
}

# s3_curl ARGS...: curl signed with the store's keys; the keys go to curl on stdin (a
# config line), never on its command line.
s3_curl() {
    printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" \
        | curl -sS --max-time 120 -K - --aws-sigv4 "aws:amz:$OBJECTSTORE_REGION:s3" "$@"
}

# s3_request WHAT EXPECTED-CODES ARGS...: a signed request that must answer one of the
# codes (e.g. "200|409"); dies with S3's answer otherwise.
s3_request() {
    local what=$1 codes=$2 out code
    shift 2
    out=$(s3_curl -w '\n%{http_code}' "$@") || die "$what: curl failed"
    code=${out##*$'\n'}
    [[ "$code" =~ ^($codes)$ ]] || die "$what: HTTP $code: ${out%$'\n'*}"
}

cmd_put() { # BUCKET KEY FILE: creates the bucket if needed and uploads FILE as KEY
    [ $# -eq 3 ] || die "usage: objectstore.sh put BUCKET KEY FILE"
    [ -f "$3" ] || die "put: no file $3"
    resolve_bind
    load_credentials
    s3_request "create bucket $1" "200|409" -X PUT "$(s3_url)/$1"
    s3_request "put $1/$2" "200" -T "$3" "$(s3_url)/$1/$2"
    log "uploaded $3 to s3://$1/$2"
}

cmd_get() { # BUCKET KEY OUT: downloads KEY into the file OUT
    [ $# -eq 3 ] || die "usage: objectstore.sh get BUCKET KEY OUT"
    resolve_bind
    load_credentials
    s3_request "get $1/$2" "200" -o "$3" "$(s3_url)/$1/$2"
}

# uri_encode STRING: percent-encodes all but unreserved characters, as SigV4's canonical
# query string has them (curl signs the query as written: a raw '/' would not match).
uri_encode() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

cmd_list() { # BUCKET [PREFIX]: prints the keys under PREFIX, one a line
    [ $# -ge 1 ] || die "usage: objectstore.sh list BUCKET [PREFIX]"
    local out
    resolve_bind
    load_credentials
    out=$(s3_curl -f "$(s3_url)/$1?list-type=2&prefix=$(uri_encode "${2:-}")") || die "list $1: request failed"
    printf '%s' "$out" | grep -o '<Key>[^<]*</Key>' | sed 's/<Key>\(.*\)<\/Key>/\1/' || true
}

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case "$cmd" in
        up) cmd_up ;;
        build) ensure_weed ;;
        status) cmd_status ;;
        down) cmd_down "$@" ;;
        env) cmd_env ;;
        put) cmd_put "$@" ;;
        get) cmd_get "$@" ;;
        list) cmd_list "$@" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
