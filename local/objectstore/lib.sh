# shellcheck shell=bash disable=SC2034
# Settings and helpers shared by the object store's scripts (build.sh, service.sh, s3.sh).
# Sourced, not executed.

OBJECTSTORE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$OBJECTSTORE_DIR/versions.env"
LOG_TAG=objectstore
# shellcheck source=../../scripts/common.sh
. "$OBJECTSTORE_DIR/../../scripts/common.sh"
# shellcheck source=../lib/process.sh
. "$OBJECTSTORE_DIR/../lib/process.sh"
# shellcheck source=../lib/progress.sh
. "$OBJECTSTORE_DIR/../lib/progress.sh"

CACHE=${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/objectstore
STATE=${PSK_STATE:-/var/lib/pyspark-k8s}/objectstore
DATA_DIR=$STATE/data
LOG_DIR=$STATE/logs
LOG=$LOG_DIR/s3gw.log
PIDFILE=$STATE/s3gw.pid
CREDS=$STATE/credentials.env
RUN_ENV=$STATE/run.env
SRC_DIR=$OBJECTSTORE_DIR/src/s3gw

# The Go build flags of s3gw: no DWARF (the link strips it anyway), stripped binary.
S3GW_GO_FLAGS=(-trimpath -gcflags=all=-dwarf=false -ldflags "-s -w")

# build_stamp: names the binary's directory; covers the module files, the source, the
# build flags and the Go version.
build_stamp() {
    {
        cat "$SRC_DIR"/{go.mod,go.sum,main.go}
        echo "flags=${S3GW_GO_FLAGS[*]}"
        go env GOVERSION 2> /dev/null || echo nogo
    } | sha256sum | cut -c1-16
}

# binary_path: where the binary for the current sources lives (built or not).
binary_path() { printf '%s/bin/%s/s3gw\n' "$CACHE" "$(build_stamp)"; }

# load_credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from credentials.env.
load_credentials() {
    [ -s "$CREDS" ] || die "no credentials yet ($CREDS): run objectstore.sh up"
    AWS_ACCESS_KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$CREDS")
    AWS_SECRET_ACCESS_KEY=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$CREDS")
    if [ -z "$AWS_ACCESS_KEY_ID" ] || [ -z "$AWS_SECRET_ACCESS_KEY" ]; then die "malformed $CREDS"; fi
}

# running_pid: the gateway's PID if it runs (pidfile checked against the executable).
running_pid() { proc_pid "$PIDFILE" s3gw; }

# resolve_bind: BIND is the address of the running store (run.env), else OBJECTSTORE_BIND
# or the default.
resolve_bind() {
    BIND=${OBJECTSTORE_BIND:-$OBJECTSTORE_DEFAULT_BIND}
    if running_pid > /dev/null && [ -s "$RUN_ENV" ]; then
        BIND=$(sed -n 's/^BIND=//p' "$RUN_ENV")
    fi
}

s3_url() { printf 'http://%s:%s\n' "$BIND" "$OBJECTSTORE_PORT"; }
