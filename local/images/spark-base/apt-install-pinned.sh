#!/bin/sh
# Build helper: apt-get install PKG=VERSION ... with exact versions.
# If the configured mirror no longer serves a pinned version (Debian stable replaces
# versions on security updates), install the current candidate instead and say so loudly;
# the versions actually installed end up in /opt/spark/BUILD-INFO.
set -eu

apt-get update -q
args=""
for spec in "$@"; do
    pkg=${spec%%=*}
    ver=${spec#*=}
    if [ "$pkg" = "$spec" ] || [ -z "$ver" ]; then
        args="$args $pkg"
    elif apt-cache show "$pkg=$ver" > /dev/null 2>&1; then
        args="$args $pkg=$ver"
    else
        cand=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
        echo "WARNING: $pkg version $ver (pinned in local/images/versions.env) is not served by the mirror; installing candidate $cand. Update the pin." >&2
        args="$args $pkg"
    fi
done
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $args
apt-get clean
rm -rf /var/lib/apt/lists/*
