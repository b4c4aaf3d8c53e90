#!/usr/bin/env bash
# Stacks recorded before the components became a package followed their runs with dynamic
# providers that ran `jobrun/cli.ts` from the project directory, which is gone: refreshing
# or deleting those records fails. This forgets them (the runs' Jobs stay in the cluster,
# and the next `pulumi up` follows or runs the jobs again). Usage: forget-old-runs.sh STACK
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh
LOG_TAG=forget-old-runs

pulumi() { bash toolchain/pulumi.sh "$@"; }

# old_run_urns STACK: the URNs of the stack's run records made by the old providers.
old_run_urns() {
    pulumi stack export --stack "$1" 2> /dev/null | node -e '
        const state = JSON.parse(require("fs").readFileSync(0, "utf8"));
        for (const r of state.deployment?.resources ?? [])
            if (String(r.inputs?.__provider ?? "").includes("jobrun/cli.ts")) console.log(r.urn);'
}

main() {
    local stack="$1" urn
    for urn in $(old_run_urns "$stack"); do
        log "forgetting $urn (recorded by an older version; the next up follows or runs its job again)"
        pulumi state delete --stack "$stack" --yes --force "$urn" > /dev/null
    done
}

main "$@"
