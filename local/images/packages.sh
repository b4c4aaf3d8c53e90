#!/usr/bin/env bash
# Installs the Debian packages the image toolchain needs on this host, pinned in
# versions.env (a pin the mirror no longer serves: the candidate, with a warning).
#
# Usage: packages.sh
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

APT_UPDATED=0
apt_install_pinned() { # pkg=version ...
    local spec pkg ver args=()
    if [ "$APT_UPDATED" = 0 ]; then
        progress_run "apt-get update" 20 "$STATE/apt.log" apt_get update -q
        APT_UPDATED=1
    fi
    for spec in "$@"; do
        pkg=${spec%%=*}
        ver=${spec#*=}
        if [ "$pkg" != "$spec" ] && [ -n "$ver" ] && apt-cache show "$pkg=$ver" > /dev/null 2>&1; then
            args+=("$pkg=$ver")
        else
            [ "$pkg" = "$spec" ] || log "WARNING: $pkg $ver (versions.env) not served by the mirror; installing the candidate"
            args+=("$pkg")
        fi
    done
    progress_run "apt-get install ${args[*]}" 60 "$STATE/apt.log" \
        apt_get install -y -q --no-install-recommends "${args[@]}"
}

# dpkg-query exits 1 for a package that was never installed (or was purged): that is "none", not an error.
deb_version() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2> /dev/null | awk '$3=="installed"{print $4}' || true; }

main() {
    need_root
    mkdir -p "$STATE"
    local spec pkg want have missing=()
    for spec in "docker.io=$DOCKER_IO_DEB_VERSION" "containerd=$CONTAINERD_DEB_VERSION" \
        "runc=$RUNC_DEB_VERSION" "docker-registry=$DOCKER_REGISTRY_DEB_VERSION" \
        "debootstrap=$DEBOOTSTRAP_DEB_VERSION" curl; do
        pkg=${spec%%=*}
        want=${spec#*=}
        have=$(deb_version "$pkg")
        if [ -z "$have" ]; then
            missing+=("$spec")
        elif [ "$pkg" != "$spec" ] && [ "$have" != "$want" ]; then
            log "note: $pkg $have installed (versions.env pins $want)"
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then apt_install_pinned "${missing[@]}"; fi
    if ! python3 -m pip --version > /dev/null 2>&1; then apt_install_pinned python3-pip; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
