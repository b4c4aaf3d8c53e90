#!/usr/bin/env bash
# The project's test command (npm test): installs what it needs from nothing, then
# typechecks, lints and runs the unit, component and program tests.
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
# shellcheck source=toolchain/env.sh
(. toolchain/env.sh
 python -m pip install --quiet --disable-pip-version-check -r app/requirements-dev.txt
 python -m pytest -q app/tests)

step "typecheck (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json

step "lint (eslint with @pulumi/eslint-plugin)"
npx eslint .

step "workflow lint (actionlint + shellcheck)"
bash scripts/lint-workflows.sh

step "unit, component and program tests (jest)"
npx jest --ci
