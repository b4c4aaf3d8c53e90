#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `npm run pulumi -- <args>`: run the project's own Pulumi CLI with the toolchain environment.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
if [ ! -x "$PSK_TOOLCHAIN_BIN/pulumi" ]; then
    echo "toolchain/pulumi.sh: the Pulumi CLI is not built ($PSK_TOOLCHAIN_BIN/pulumi missing): run \`npm run toolchain\` first" >&2
    exit 127
fi
# The kubernetes provider writes a copy of the kubeconfig (credentials included) to a new
# temp file on every run and never removes it: give the run a directory we remove.
TMPDIR="$(mktemp -d)"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
status=0
"$PSK_TOOLCHAIN_BIN/pulumi" "$@" || status=$?
exit "$status"
