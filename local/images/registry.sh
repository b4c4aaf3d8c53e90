#!/usr/bin/env bash
# The local registry: Debian's docker-registry on 127.0.0.1:5000 (plain HTTP, no auth,
# storage in the cache), stopped by its recorded PID. Also the registry API helpers the
# base image build uses (sourced: the functions only).
#
# Usage: registry.sh start | stop | status
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

registry_ping() { curl -fsS --max-time 3 "http://$REGISTRY/v2/"; }

MANIFEST_TYPES='application/vnd.docker.distribution.manifest.v2+json,application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.oci.image.index.v1+json'

# registry_digest REPO TAG -> sha256:... (empty if absent)
registry_digest() {
    local headers
    headers=$(curl -fsS --max-time 10 -I -H "Accept: $MANIFEST_TYPES" \
        "http://$REGISTRY/v2/$1/manifests/$2" 2> /dev/null) || return 0
    printf '%s\n' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}

# registry_retag REPO FROM-TAG TO-TAG: same manifest bytes -> same digest, no docker needed
registry_retag() {
    local repo=$1 from=$2 to=$3 tmp ctype
    tmp=$(mktemp)
    ctype=$(curl -fsS --max-time 30 -H "Accept: $MANIFEST_TYPES" -o "$tmp" -w '%{content_type}' \
        "http://$REGISTRY/v2/$repo/manifests/$from") || {
        rm -f "$tmp"
        die "could not read manifest $repo:$from"
    }
    curl -fsS --max-time 30 -X PUT -H "Content-Type: $ctype" --data-binary "@$tmp" \
        "http://$REGISTRY/v2/$repo/manifests/$to" > /dev/null || {
        rm -f "$tmp"
        die "could not tag $repo:$to"
    }
    rm -f "$tmp"
}

port_owner() { ss -Hltnp "sport = :${REGISTRY##*:}" 2> /dev/null | head -n1; }

cmd_start() {
    need_root
    if proc_pid "$REG_PIDFILE" docker-registry > /dev/null; then return 0; fi
    local busy
    busy=$(port_owner)
    [ -z "$busy" ] || die "port ${REGISTRY##*:} is already in use by another process: $busy"
    mkdir -p "$STATE" "$REG_DATA"
    cat > "$REG_CONFIG" << YAML
version: 0.1
log:
  level: info
  fields:
    service: psk-registry
storage:
  filesystem:
    rootdirectory: $REG_DATA
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $REGISTRY
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
YAML
    proc_start registry "$REG_PIDFILE" "$REG_LOG" docker-registry serve "$REG_CONFIG"
    proc_wait_for registry 30 "$REG_LOG" registry_ping
}

cmd_stop() {
    need_root
    proc_stop registry "$REG_PIDFILE" docker-registry 15
}

cmd_status() {
    local pid
    if pid=$(proc_pid "$REG_PIDFILE" docker-registry); then
        if registry_ping > /dev/null 2>&1; then
            echo "registry:   running pid $pid, healthy (http://$REGISTRY)"
        else
            echo "registry:   running pid $pid, NOT answering on $REGISTRY"
            return 1
        fi
    else
        echo "registry:   stopped"
        return 1
    fi
}

main() {
    case "${1:-}" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        *) die "usage: registry.sh start | stop | status" ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
