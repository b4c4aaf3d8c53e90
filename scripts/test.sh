#!/usr/bin/env bash
# The project's test command (npm test): installs what it needs from nothing, then
# typechecks, lints and runs the unit, component and program tests, then the end-to-end
# scenario on the local cluster. PSK_SKIP_E2E=1 leaves the scenario out; the closing
# line says whether it ran.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_npm_packages

step "toolchain: build or reuse (Pulumi CLI, language host, kubernetes provider, spark-submit)"
bash toolchain/build.sh
step "toolchain checks"
bash toolchain/check.sh

step "real engine: preview of every stack file, and of a bad config"
bash scripts/preview-stacks.sh

step "the PySpark app's tests (Spark local mode)"
pytest_log="$(mktemp)"
jest_json="$(mktemp --suffix .json)"
e2e_json="$(mktemp --suffix .json)"
trap 'rm -f "$pytest_log" "$jest_json" "$e2e_json"' EXIT
# shellcheck source=toolchain/env.sh
(
    . toolchain/env.sh
    python -m pip install --quiet --disable-pip-version-check -r app/requirements-dev.txt
    python -m pytest -q app/tests
) | tee "$pytest_log"

step "format check (prettier, 100 columns)"
npx prettier --check .

step "typecheck (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json

step "lint (eslint with @pulumi/eslint-plugin)"
npx eslint .

step "workflow lint (actionlint + shellcheck)"
bash scripts/lint-workflows.sh

step "unit, component and program tests (jest)"
npx jest --ci --json --outputFile="$jest_json"

e2e_passed=0
e2e_note=""
if [ "${PSK_SKIP_E2E:-}" = 1 ]; then
    step "end-to-end scenario: skipped (PSK_SKIP_E2E=1)"
    e2e_note=" (end-to-end scenario skipped: PSK_SKIP_E2E=1)"
else
    step "end-to-end scenario on the local cluster (scripts/e2e.sh)"
    E2E_JEST_JSON="$e2e_json" bash scripts/e2e.sh
    e2e_passed=$(node -p "require('$e2e_json').numPassedTests")
    e2e_note=" (end-to-end scenario included: $e2e_passed steps)"
fi

# One closing line for all of it (the checks above stop the script on any failure).
py_passed=$(grep -Eo '[0-9]+ passed' "$pytest_log" | tail -n 1 | cut -d' ' -f1)
js_passed=$(node -p "require('$jest_json').numPassedTests")
js_failed=$(node -p "require('$jest_json').numFailedTests")
printf '\ntests: %s passed, %s failed%s\n' "$((py_passed + js_passed + e2e_passed))" "$js_failed" "$e2e_note"
