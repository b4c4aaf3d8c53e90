# shellcheck shell=bash
# Installs the Debian packages the cluster needs (pinned in versions.env).

ensure_deps() {
    local spec name want have missing=() apt_opts=(-y --no-install-recommends)
    for spec in "containerd=$DEB_CONTAINERD_VERSION" "runc=$DEB_RUNC_VERSION" \
        "containernetworking-plugins=$DEB_CNI_PLUGINS_VERSION" "iptables=$DEB_IPTABLES_VERSION" \
        "conntrack=$DEB_CONNTRACK_VERSION" "busybox-static=$DEB_BUSYBOX_STATIC_VERSION" \
        openssl curl iproute2 ca-certificates; do
        name="${spec%%=*}"
        want="${spec#*=}"
        [ "$want" != "$spec" ] || want=""
        have="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2> /dev/null || true)"
        case "$have" in
            "install ok installed "*)
                have="${have#install ok installed }"
                [ -z "$want" ] || [ "$have" = "$want" ] || log "note: $name $have installed (pinned $want)"
                ;;
            *) missing+=("$spec") ;;
        esac
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    need_root
    log "installing Debian packages: ${missing[*]}"
    if apt_get install "${apt_opts[@]}" "${missing[@]}" >&2; then return 0; fi
    apt_get update >&2 || die "apt-get update failed"
    if apt_get install "${apt_opts[@]}" "${missing[@]}" >&2; then return 0; fi
    log "pinned versions not available any more; installing the current candidates (update versions.env)"
    apt_get install "${apt_opts[@]}" "${missing[@]%%=*}" >&2 \
        || die "apt-get install ${missing[*]%%=*} failed"
}
