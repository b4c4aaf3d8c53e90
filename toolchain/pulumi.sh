#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `npm run pulumi -- <args>`: runs the project's own Pulumi CLI with the toolchain environment.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_TAG=pulumi
# shellcheck source=../scripts/common.sh
source "$here/../scripts/common.sh"
# shellcheck source=env.sh
source "$here/env.sh"

main() {
    local status=0
    [ -x "$PSK_TOOLCHAIN_BIN/pulumi" ] \
        || die "the Pulumi CLI is not built ($PSK_TOOLCHAIN_BIN/pulumi missing): run \`bash toolchain/build.sh\` first"
    # The kubernetes provider writes a copy of the kubeconfig (credentials included) to a
    # new temp file on every run and never removes it: give the run a directory we remove.
    TMPDIR="$(mktemp -d)"
    export TMPDIR
    trap 'rm -rf "$TMPDIR"' EXIT
    "$PSK_TOOLCHAIN_BIN/pulumi" "$@" || status=$?
    exit "$status"
}

main "$@"
