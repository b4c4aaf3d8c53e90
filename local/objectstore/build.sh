#!/usr/bin/env bash
# Builds the object store's binary, s3gw (src/s3gw: the Versity S3 Gateway's embedding
# package with the POSIX backend), unless the one for the current sources and Go version
# is in the cache; prints its path. One build at a time (a second caller waits, then
# reuses it).
#
# Usage: build.sh
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# Rough figures for a cold build on 2 cores (README.md, "Measured"), for the progress lines.
EXPECT_DOWNLOAD=10
EXPECT_BUILD=90

# _compiled: progress detail (go build -v prints each package it compiles).
_compiled() {
    printf '%s packages compiled (a cold build compiles about %s)' \
        "$(grep -cv -e '^====' -e '^go: ' "$CACHE/logs/build.log" 2> /dev/null || echo 0)" 420
}

main() {
    [ $# -eq 0 ] || die "usage: build.sh (no arguments)"
    command -v go > /dev/null || die "go toolchain not found (the cluster's build needs it too)"
    grep -qF "require $VERSITYGW_MODULE $VERSITYGW_VERSION" "$SRC_DIR/go.mod" \
        || die "src/s3gw/go.mod does not require $VERSITYGW_MODULE $VERSITYGW_VERSION (versions.env): update it with go get, then go mod tidy"
    local bin t0
    bin=$(binary_path)
    mkdir -p "$CACHE/logs"
    exec 9> "$CACHE/build.lock"
    flock 9
    if [ ! -x "$bin" ]; then
        t0=$(date +%s)
        export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
        mkdir -p "$(dirname "$bin")"
        progress_run "downloading the Go modules of versitygw $VERSITYGW_VERSION" "$EXPECT_DOWNLOAD" \
            "$CACHE/logs/build-download.log" env -C "$SRC_DIR" go mod download -x
        : > "$CACHE/logs/build.log"
        PROGRESS_DETAIL=_compiled progress_run "compiling s3gw (versitygw $VERSITYGW_VERSION, POSIX backend)" \
            "$EXPECT_BUILD" "$CACHE/logs/build.log" \
            env -C "$SRC_DIR" go build -v "${S3GW_GO_FLAGS[@]}" -o "$bin.tmp" .
        mv "$bin.tmp" "$bin"
        log "s3gw built in $(duration $(($(date +%s) - t0))): $bin ($(du -h "$bin" | cut -f1))"
    fi
    exec 9>&-
    printf '%s\n' "$bin"
}

main "$@"
