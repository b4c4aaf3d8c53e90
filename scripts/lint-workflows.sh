#!/usr/bin/env bash
# Lints .github/workflows with actionlint (and shellcheck for their run: steps),
# building actionlint from the Go module proxy into the cache on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.12
bin_dir="${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/tools/actionlint-$ACTIONLINT_VERSION"
if [ ! -x "$bin_dir/actionlint" ]; then
    echo "building actionlint $ACTIONLINT_VERSION into $bin_dir" >&2
    mkdir -p "$bin_dir"
    if ! GOBIN="$bin_dir" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"; then
        echo "lint-workflows: go install of github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION failed" >&2
        exit 1
    fi
fi
if ! command -v shellcheck > /dev/null 2>&1; then
    echo "lint-workflows: shellcheck not found; installing Debian's shellcheck" >&2
    apt-get update -qq && apt-get install -y -qq shellcheck > /dev/null
fi
"$bin_dir/actionlint" -no-color
echo "actionlint: .github/workflows OK"
