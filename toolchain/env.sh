# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR
# Source me: puts the project's toolchain (built by toolchain/build.sh) first on PATH and
# configures Pulumi for local, offline use. Safe to source more than once.
_psk_tc_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$_psk_tc_dir/versions.env"
# shellcheck source=paths.sh
source "$_psk_tc_dir/paths.sh"
export PSK_TOOLCHAIN_CACHE PSK_TOOLCHAIN_BIN PSK_TOOLCHAIN_VENV PSK_NODE_BIN

# The pinned Node.js first (pulumi programs, plugins, the language host's node, npm and
# jest run on it), then the built binaries, then the pyspark venv (spark-submit).
case ":$PATH:" in
    *":$PSK_NODE_BIN:$PSK_TOOLCHAIN_BIN:$PSK_TOOLCHAIN_VENV/bin:"*) ;;
    *) export PATH="$PSK_NODE_BIN:$PSK_TOOLCHAIN_BIN:$PSK_TOOLCHAIN_VENV/bin:$PATH" ;;
esac

# Pulumi: plugin cache and credentials under the cache dir, never phone home, never download plugins.
export PULUMI_HOME="$PSK_TOOLCHAIN_CACHE/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
# Programs run without a type-check at start (halves a no-op preview); `tsc --noEmit` in
# the test command type-checks them instead.
export PULUMI_NODEJS_TRANSPILE_ONLY="${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
# Resource providers come from the plugin cache above, at the exact versions that
# build.sh installed (an ambient pulumi-resource-* on PATH would be used for ANY
# requested version, with a warning on every run). The language host and the
# dynamic-provider shim are "bundled" plugins: found next to the pulumi binary (the YAML
# host too, when built; it starts pulumi-language-nodejs from its own directory).
export PULUMI_IGNORE_AMBIENT_PLUGINS="${PULUMI_IGNORE_AMBIENT_PLUGINS:-true}"
# Local file backend (state outside the repo) unless the caller chose a backend.
if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
    _psk_backend_dir="${PSK_STATE:-/var/lib/pyspark-k8s}/pulumi-backend"
    mkdir -p "$_psk_backend_dir" 2> /dev/null || true
    export PULUMI_BACKEND_URL="file://$_psk_backend_dir"
    unset _psk_backend_dir
fi
# LOCAL-ONLY passphrase for the secrets provider of stacks in the local file backend.
# It protects nothing: it only lets `pulumi stack init/up` run non-interactively on
# throwaway local/CI stacks. Set PULUMI_CONFIG_PASSPHRASE yourself for anything real.
# Only for a local file backend: a remote backend's stacks get no well-known passphrase.
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] \
    && [ "${PULUMI_BACKEND_URL#file://}" != "$PULUMI_BACKEND_URL" ]; then
    export PULUMI_CONFIG_PASSPHRASE="pyspark-k8s-local-only"
fi

# Java 17 from Debian for spark-submit.
JAVA_HOME="/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture 2> /dev/null || echo amd64)"
export JAVA_HOME
# Spark client from the venv's pyspark.
for _psk_sp in "$PSK_TOOLCHAIN_VENV"/lib/python3*/site-packages/pyspark; do
    if [ -d "$_psk_sp" ]; then export SPARK_HOME="$_psk_sp"; fi
done
unset _psk_sp _psk_tc_dir
