/**
 * Runs an exec credential plugin and hands on its answer with the token's expiry moved
 * earlier (lib/execCredential.ts), so the Kubernetes client asks for a new token before
 * the old one expires:
 *
 *   node -r ts-node/register/transpile-only jobrun/execEarly.ts <plugin> [args...]
 *
 * The plugin's stderr, environment (KUBERNETES_EXEC_INFO included) and exit code pass
 * through.
 */
import { spawnSync } from "child_process";
import { EXPIRY_MARGIN_MS, withEarlierExpiry } from "../lib/execCredential";

const [command, ...args] = process.argv.slice(2);
const run = spawnSync(command, args, { stdio: ["inherit", "pipe", "inherit"], encoding: "utf8" });
if (run.error) {
    process.stderr.write(`cannot run credential plugin ${command}: ${run.error.message}\n`);
    process.exit(127);
}
process.stdout.write(
    run.status === 0 ? withEarlierExpiry(run.stdout, EXPIRY_MARGIN_MS, Date.now()) : run.stdout,
);
process.exit(run.status ?? 1);
