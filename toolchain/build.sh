#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build (or reuse) the project's Pulumi + Spark toolchain from package registries only:
#   - Pulumi CLI, the Node.js language host and the Kubernetes provider from Go modules,
#   - a shim for Pulumi's Node.js dynamic-provider plugin (runs code from npm @pulumi/pulumi),
#   - pyspark in a venv (PyPI) and Java 17 (Debian).
# Everything goes to ${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/toolchain/, outside the repo.
# Each component is rebuilt only when its inputs (pins in versions.env, files under
# toolchain/go/<component>/, the Go version) change: see stamps/ in the cache.
# Usage: bash toolchain/build.sh            (npm run toolchain)
#        PSK_TOOLCHAIN_FORCE=1 bash toolchain/build.sh   rebuild everything
set -euo pipefail

TOOLCHAIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$TOOLCHAIN_DIR/versions.env"

CACHE="${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/toolchain"
BIN="$CACHE/bin"
STAMPS="$CACHE/stamps"
WORK="$CACHE/build"
LOGS="$CACHE/logs"
VENV="$CACHE/venv"

log() { printf '[toolchain] %s\n' "$*"; }
die() {
    printf '[toolchain] ERROR: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- helpers
apt_updated=0
apt_install() {
    if [ "$(id -u)" != 0 ]; then
        die "need Debian packages '$*' but not root: install them with apt-get and re-run"
    fi
    if [ "$apt_updated" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        || die "apt-get install $* failed"
}

# key COMPONENT FILES... : hash of the inputs that define a component.
key() {
    {
        printf '%s\n' "$GO_VERSION" "$(uname -m)"
        for f in "$@"; do
            if [ -d "$f" ]; then
                (cd "$f" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
            else
                printf '%s\n' "$f"
            fi
        done
    } | sha256sum | cut -d' ' -f1
}
fresh() { # fresh NAME KEY OUTPUT...: true when stamp matches and outputs exist
    local name="$1" k="$2"
    shift 2
    [ "${PSK_TOOLCHAIN_FORCE:-0}" = 1 ] && return 1
    [ -f "$STAMPS/$name.key" ] && [ "$(cat "$STAMPS/$name.key")" = "$k" ] || return 1
    local o
    for o in "$@"; do [ -e "$o" ] || return 1; done
}
stamp() { printf '%s\n' "$2" > "$STAMPS/$1.key"; }
elapsed() { log "$1: $2 ($((SECONDS - $3))s)"; }

# require_line FILE REGEX WHAT: check that a committed go.mod agrees with versions.env.
require_line() {
    grep -Eq "$2" "$1" || die "$1 does not pin $3 (expected a line matching '$2'): update go.mod to match versions.env"
}

# go_build COMPONENT MODULE@VERSION OUT PKG LDFLAGS: build in a cache copy of toolchain/go/COMPONENT.
go_build() {
    local comp="$1" what="$2" out="$3" pkg="$4" ldflags="$5"
    local dir="$WORK/$comp" logf="$LOGS/$comp.log"
    if ! (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg") > "$logf" 2>&1; then
        printf '[toolchain] ERROR: building %s (%s) failed; last lines of %s:\n' "$comp" "$what" "$logf" >&2
        tail -n 25 "$logf" >&2
        exit 1
    fi
    mv -f "$out.tmp" "$out"
}
sync_src() { # copy toolchain/go/COMPONENT into the cache build dir
    rm -rf "${WORK:?}/${1:?}"
    mkdir -p "$WORK/$1"
    cp -R "$TOOLCHAIN_DIR/go/$1/." "$WORK/$1/"
}
# ---------------------------------------------------------------- prerequisites
# Go (sets GO_VERSION, part of every component's key), node, python3; the Go settings.
check_prerequisites() {
    local go_ok
    command -v go > /dev/null 2>&1 || die "Go is not installed (need >= $GO_MIN_VERSION): install Go and re-run"
    GO_VERSION="$(go env GOVERSION)"
    go_ok="$(printf '%s\n%s\n' "go$GO_MIN_VERSION" "$GO_VERSION" | sort -V | head -n1)"
    [ "$go_ok" = "go$GO_MIN_VERSION" ] || die "Go $GO_VERSION is too old, need >= $GO_MIN_VERSION"
    command -v node > /dev/null 2>&1 || die "node is not installed (the language host runs programs with node)"
    command -v python3 > /dev/null 2>&1 || apt_install python3

    # Go settings for every build: modules only from the configured proxy, go.sum
    # committed (no checksum-database look-ups needed), no VCS stamping, no toolchain download.
    export GOFLAGS="-buildvcs=false -mod=readonly"
    export GOTOOLCHAIN=local
    export CGO_ENABLED=0
}

# ---------------------------------------------------------------- 1. Pulumi CLI
build_cli() {
    local t=$SECONDS k
    local mod="github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION"
    require_line "$TOOLCHAIN_DIR/go/cli/go.mod" "github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION\$" "$mod"
    require_line "$TOOLCHAIN_DIR/go/cli/go.mod" "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION( |\$)" "sdk/v3@v$PULUMI_VERSION"
    k="$(key "$TOOLCHAIN_DIR/go/cli" "PULUMI_VERSION=$PULUMI_VERSION")"
    if fresh cli "$k" "$BIN/pulumi"; then
        elapsed "pulumi CLI v$PULUMI_VERSION" "cached" "$t"
        return 0
    fi
    log "building pulumi CLI ($mod) ..."
    sync_src cli
    go_build cli "$mod" "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
    stamp cli "$k"
    elapsed "pulumi CLI v$PULUMI_VERSION" "built" "$t"
}

# ---------------------------------------------------------------- 2. Node.js language host
build_langhost_nodejs() {
    local t=$SECONDS k
    local what="project language host against github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
    require_line "$TOOLCHAIN_DIR/go/langhost-nodejs/go.mod" "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION\$" "sdk/v3@v$PULUMI_VERSION"
    k="$(key "$TOOLCHAIN_DIR/go/langhost-nodejs" "LANGHOST_NODEJS_VERSION=$LANGHOST_NODEJS_VERSION")"
    if fresh langhost-nodejs "$k" "$BIN/pulumi-language-nodejs"; then
        elapsed "pulumi-language-nodejs $LANGHOST_NODEJS_VERSION" "cached" "$t"
        return 0
    fi
    log "building pulumi-language-nodejs ($what) ..."
    sync_src langhost-nodejs
    go_build langhost-nodejs "$what" "$BIN/pulumi-language-nodejs" . \
        "-X main.version=$LANGHOST_NODEJS_VERSION"
    stamp langhost-nodejs "$k"
    elapsed "pulumi-language-nodejs $LANGHOST_NODEJS_VERSION" "built" "$t"
}

# ---------------------------------------------------------------- 3. Kubernetes provider
build_kubernetes_provider() {
    local t=$SECONDS k mod_dir schema_src
    local mod="github.com/pulumi/pulumi-kubernetes/provider/v4@$KUBERNETES_PROVIDER_MODULE_VERSION"
    case "$KUBERNETES_PROVIDER_MODULE_VERSION" in
        *-"${KUBERNETES_PROVIDER_COMMIT:0:12}") ;;
        *) die "KUBERNETES_PROVIDER_MODULE_VERSION does not end in the first 12 hex of KUBERNETES_PROVIDER_COMMIT" ;;
    esac
    require_line "$TOOLCHAIN_DIR/go/kubernetes-provider/go.mod" \
        "github.com/pulumi/pulumi-kubernetes/provider/v4 $KUBERNETES_PROVIDER_MODULE_VERSION\$" "$mod"
    require_line "$TOOLCHAIN_DIR/go/kubernetes-provider/go.mod" \
        "github.com/pulumi/pulumi-kubernetes/sdk/v4 $KUBERNETES_SDK_MODULE_VERSION( |\$)" "sdk/v4@$KUBERNETES_SDK_MODULE_VERSION"
    k="$(key "$TOOLCHAIN_DIR/go/kubernetes-provider" "KUBERNETES_PROVIDER_VERSION=$KUBERNETES_PROVIDER_VERSION")"
    if fresh kubernetes-provider "$k" "$BIN/pulumi-resource-kubernetes"; then
        elapsed "pulumi-resource-kubernetes $KUBERNETES_PROVIDER_VERSION" "cached" "$t"
        return 0
    fi
    log "building pulumi-resource-kubernetes ($mod = release $KUBERNETES_PROVIDER_VERSION) ..."
    sync_src kubernetes-provider
    if ! (cd "$WORK/kubernetes-provider" && go mod download "$mod" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4) \
        > "$LOGS/kubernetes-provider.download.log" 2>&1; then
        tail -n 25 "$LOGS/kubernetes-provider.download.log" >&2
        die "downloading $mod from the Go module proxy failed"
    fi
    mod_dir="$(tail -n1 "$LOGS/kubernetes-provider.download.log")"
    schema_src="$mod_dir/cmd/pulumi-resource-kubernetes"
    [ -f "$schema_src/schema.json" ] || die "$mod has no cmd/pulumi-resource-kubernetes/schema.json"
    # The upstream cmd embeds generated (git-ignored) files; generate them here:
    # the committed schema with its version set, and the compacted terraform mapping.
    python3 - "$schema_src" "$WORK/kubernetes-provider" "$KUBERNETES_PROVIDER_VERSION" << 'PY' || die "generating the embedded schema for $mod failed"
import json, os, sys
src, dst, version = sys.argv[1], sys.argv[2], sys.argv[3]
with open(os.path.join(src, "schema.json")) as f:
    schema = json.load(f)
schema["version"] = version
with open(os.path.join(dst, "schema-embed.json"), "w") as f:
    json.dump(schema, f, separators=(",", ":"))
with open(os.path.join(src, "terraform-mapping.json")) as f:
    mapping = json.load(f)
with open(os.path.join(dst, "terraform-mapping-embed.json"), "w") as f:
    json.dump(mapping, f, separators=(",", ":"))
PY
    go_build kubernetes-provider "$mod" "$BIN/pulumi-resource-kubernetes" . \
        "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION"
    stamp kubernetes-provider "$k"
    elapsed "pulumi-resource-kubernetes $KUBERNETES_PROVIDER_VERSION" "built" "$t"
}

# ---------------------------------------------------------------- 4. dynamic-provider shim
# Pulumi's Node.js dynamic providers (pulumi.dynamic.Resource) need the plugin
# pulumi-resource-pulumi-nodejs, which the CLI distribution ships as a tiny script.
install_dynamic_provider_shim() {
    install -m 0755 "$TOOLCHAIN_DIR/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
}

# ---------------------------------------------------------------- 5. Java 17
# Sets and exports JAVA_HOME.
ensure_java() {
    local t=$SECONDS
    JAVA_HOME="/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture 2> /dev/null || echo amd64)"
    if [ ! -x "$JAVA_HOME/bin/java" ]; then
        log "installing $JAVA_DEBIAN_PACKAGE (Debian) ..."
        apt_install "$JAVA_DEBIAN_PACKAGE"
    fi
    [ -x "$JAVA_HOME/bin/java" ] || die "$JAVA_DEBIAN_PACKAGE installed but $JAVA_HOME/bin/java is missing"
    export JAVA_HOME
    elapsed "java ($("$JAVA_HOME/bin/java" -version 2>&1 | head -n1))" "ready" "$t"
}

# ---------------------------------------------------------------- 6. pyspark venv
# Sets K8S_JAR (Spark's Kubernetes jar in the venv).
build_pyspark_venv() {
    local t=$SECONDS k
    k="$(key "PYSPARK_VERSION=$PYSPARK_VERSION" "$(python3 -c 'import sys; print(sys.version)')")"
    if fresh pyspark "$k" "$VENV/bin/spark-submit"; then
        elapsed "pyspark $PYSPARK_VERSION" "cached" "$t"
    else
        log "installing pyspark==$PYSPARK_VERSION into $VENV ..."
        rm -rf "$VENV"
        if ! python3 -m venv "$VENV" > "$LOGS/venv.log" 2>&1; then
            apt_install python3-venv
            rm -rf "$VENV"
            /usr/bin/python3 -m venv "$VENV" > "$LOGS/venv.log" 2>&1 || {
                tail -n 20 "$LOGS/venv.log" >&2
                die "python3 -m venv failed"
            }
        fi
        if ! "$VENV/bin/pip" install --disable-pip-version-check "pyspark==$PYSPARK_VERSION" > "$LOGS/pyspark.log" 2>&1; then
            tail -n 25 "$LOGS/pyspark.log" >&2
            die "pip install pyspark==$PYSPARK_VERSION failed (log: $LOGS/pyspark.log)"
        fi
        stamp pyspark "$k"
        elapsed "pyspark $PYSPARK_VERSION" "installed" "$t"
    fi
    K8S_JAR="$(find "$VENV" -path '*/pyspark/jars/spark-kubernetes_*.jar' | head -n1)"
    [ -n "$K8S_JAR" ] || die "pyspark $PYSPARK_VERSION has no jars/spark-kubernetes_*.jar: Spark on Kubernetes would not work"
}

# ---------------------------------------------------------------- 7. plugin cache
# The Kubernetes provider in PULUMI_HOME's plugin cache (needs the CLI and the provider).
install_plugins() {
    local t=$SECONDS k
    export PULUMI_HOME="$CACHE/pulumi-home"
    export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
    mkdir -p "$PULUMI_HOME"
    k="$(key "k8s=$(cat "$STAMPS/kubernetes-provider.key")" "cli=$(cat "$STAMPS/cli.key")")"
    if fresh plugins "$k" "$PULUMI_HOME/plugins"; then
        elapsed "plugin cache" "cached" "$t"
        return 0
    fi
    "$BIN/pulumi" plugin install resource kubernetes "$KUBERNETES_PROVIDER_VERSION" \
        --file "$BIN/pulumi-resource-kubernetes" --reinstall > "$LOGS/plugins.log" 2>&1 \
        || {
            tail -n 20 "$LOGS/plugins.log" >&2
            die "pulumi plugin install resource kubernetes $KUBERNETES_PROVIDER_VERSION failed"
        }
    stamp plugins "$k"
    elapsed "plugin cache" "installed kubernetes $KUBERNETES_PROVIDER_VERSION" "$t"
}

# ---------------------------------------------------------------- summary
size() { du -h "$1" | cut -f1; }

summary() {
    log "----------------------------------------------------------------"
    log "cache:                      $CACHE"
    log "pulumi                      $("$BIN/pulumi" version)  $BIN/pulumi ($(size "$BIN/pulumi"))"
    log "pulumi-language-nodejs      $("$BIN/pulumi-language-nodejs" --version)  ($(size "$BIN/pulumi-language-nodejs"), project-built minimal host)"
    log "pulumi-resource-kubernetes  $KUBERNETES_PROVIDER_VERSION ($KUBERNETES_PROVIDER_MODULE_VERSION)  ($(size "$BIN/pulumi-resource-kubernetes"))"
    log "pyspark                     $PYSPARK_VERSION  $VENV  (k8s jar: $(basename "$K8S_JAR"))"
    log "JAVA_HOME                   $JAVA_HOME"
    log "total: $((SECONDS - START_ALL))s.  Use: source toolchain/env.sh  (or npm run pulumi -- <args>)"
}

main() {
    mkdir -p "$BIN" "$STAMPS" "$WORK" "$LOGS"
    # One build at a time per cache (a second caller waits, then finds everything cached).
    exec 9> "$CACHE/.build.lock"
    flock 9
    START_ALL=$SECONDS

    check_prerequisites
    build_cli
    build_langhost_nodejs
    build_kubernetes_provider
    install_dynamic_provider_shim
    ensure_java
    build_pyspark_venv
    install_plugins
    summary
}

main "$@"
