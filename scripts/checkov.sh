#!/usr/bin/env bash
# Checks the Kubernetes manifests (YAML) of a directory with checkov, pinned: checkov
# 3.3.30 and its whole dependency set (scripts/checkov-requirements.txt) go into a venv
# under the cache on first use and are reused afterwards. The checks listed in
# scripts/checkov-skips.txt are skipped; any other failed check fails the script, listed
# with its id, resource and file. Checkov makes no network calls here (no guidelines
# download, no update check).
#
# Usage: bash scripts/checkov.sh DIR
set -euo pipefail
# DIR stays relative to the caller's directory: no cd.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOG_TAG=checkov
# shellcheck source=scripts/common.sh
. "$ROOT/scripts/common.sh"

CHECKOV_VERSION=3.3.30
REQUIREMENTS="$ROOT/scripts/checkov-requirements.txt"
SKIPS="$ROOT/scripts/checkov-skips.txt"
VENV="${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/checkov-$CHECKOV_VERSION"

# The stamp says which requirements the venv was installed from; a venv without it (an
# install that broke off) or from other requirements is rebuilt.
requirements_stamp() { sha256sum "$REQUIREMENTS" | cut -d' ' -f1; }

# Installs the pinned checkov into $VENV unless it is there already.
ensure_checkov() {
    local stamp
    stamp="$(requirements_stamp)"
    if [ -x "$VENV/bin/checkov" ] && [ "$(cat "$VENV/.requirements" 2> /dev/null)" = "$stamp" ]; then
        return 0
    fi
    mkdir -p "$(dirname "$VENV")"
    # One install at a time; a second caller waits, then reuses it.
    exec 9> "$VENV.lock"
    flock 9
    if [ -x "$VENV/bin/checkov" ] && [ "$(cat "$VENV/.requirements" 2> /dev/null)" = "$stamp" ]; then
        exec 9>&-
        return 0
    fi
    step "installing checkov $CHECKOV_VERSION into $VENV"
    rm -rf "$VENV"
    local log="$VENV.log"
    if ! python3 -m venv "$VENV" > "$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    fi
    # Exactly the pinned set: no resolution, then a consistency check of what came in.
    if ! "$VENV/bin/pip" install --disable-pip-version-check --no-input --no-deps \
        -r "$REQUIREMENTS" >> "$log" 2>&1 \
        || ! "$VENV/bin/pip" check --disable-pip-version-check >> "$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "installing $REQUIREMENTS failed (log: $log)"
    fi
    echo "$stamp" > "$VENV/.requirements"
    exec 9>&-
}

# The --skip-check value: the ids of the skips file, comma-separated. Every entry needs a
# reason.
skip_checks() {
    local line id reason ids=()
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%%#*}"
        read -r id reason <<< "$line" || true
        [ -n "${id:-}" ] || continue
        [[ "$id" =~ ^CKV2?_K8S_[0-9]+$ ]] || die "$SKIPS: not a Kubernetes check id: $id"
        [ -n "${reason:-}" ] || die "$SKIPS: $id has no reason"
        ids+=("$id")
    done < "$SKIPS"
    (
        IFS=,
        echo "${ids[*]}"
    )
}

# Checkov passes over YAML it cannot parse without a word: parse every file first.
check_yaml() {
    local dir="$1"
    "$VENV/bin/python" - "$dir" << 'PY'
import pathlib, sys, yaml

files = sorted(p for p in pathlib.Path(sys.argv[1]).rglob("*") if p.suffix in (".yaml", ".yml"))
if not files:
    sys.exit(f"checkov.sh: no .yaml or .yml files under {sys.argv[1]}")
bad = 0
for path in files:
    try:
        list(yaml.safe_load_all(path.read_text(encoding="utf8")))
    except yaml.YAMLError as e:
        print(f"checkov.sh: {path}: not valid YAML: {' '.join(str(e).split())}", file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
}

# Runs checkov over DIR and prints its failed checks; fails if there is any, or if no
# Kubernetes resource was found.
run_checkov() {
    local dir="$1" json skips checkov_status=0 status=0
    skips="$(skip_checks)"
    json="$(mktemp --suffix .json)"
    # BC_SKIP_MAPPING and --skip-download: no guidelines or policy metadata from the
    # vendor's API; CKV_SKIP_PACKAGE_UPDATE_CHECK: no version check on the package index.
    BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
        "$VENV/bin/checkov" --directory "$dir" --framework kubernetes --skip-download \
        --skip-check "$skips" --quiet --compact --output json > "$json" || checkov_status=$?
    # The verdict is the report's, not checkov's exit code.
    "$VENV/bin/python" - "$json" "$checkov_status" "$dir" << 'PY' || status=$?
import json, os, sys

path, status, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    with open(path, encoding="utf8") as f:
        report = json.load(f)
except ValueError:
    sys.exit(f"checkov.sh: checkov (exit {status}) gave no report:\n{open(path).read()[-2000:]}")
reports = report if isinstance(report, list) else [report]
failed, summary = [], {"passed": 0, "failed": 0, "resource_count": 0}
for r in reports:
    for key in summary:
        summary[key] += r.get("summary", r).get(key, 0)
    failed += r.get("results", {}).get("failed_checks", [])
for c in failed:
    where = os.path.relpath(c.get("file_abs_path") or os.path.join(directory, c["file_path"].lstrip("/")))
    first, last = c.get("file_line_range", [0, 0])
    print(f"FAILED {c['check_id']}  {c['resource']}  {where}:{first}-{last}  {c['check_name']}")
print(
    f"checkov: {summary['resource_count']} resources, {summary['passed']} passed, "
    f"{summary['failed']} failed ({directory})"
)
if not summary["resource_count"]:
    sys.exit(f"checkov.sh: no Kubernetes resources found in {directory}")
sys.exit(1 if summary["failed"] else 0)
PY
    rm -f "$json"
    echo "checkov: skipped everywhere ($(basename "$SKIPS")): $skips"
    return "$status"
}

main() {
    [ "$#" -eq 1 ] || die "usage: bash scripts/checkov.sh DIR (a directory of Kubernetes YAML)"
    [ -d "$1" ] || die "not a directory: $1"
    ensure_checkov
    check_yaml "$1" || exit 1
    run_checkov "$1"
}

main "$@"
