/** scripts/lib.sh's claim_local: one command at a time drives the local cluster. */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

function claim(state: string, what: string, then = ""): { status: number | null; stderr: string } {
    const out = spawnSync(
        "bash",
        ["-c", `. scripts/lib.sh; claim_local "${what}"; trap release_local EXIT; ${then}`],
        {
            cwd: ROOT,
            env: { ...process.env, PSK_STATE: state },
            encoding: "utf8",
        },
    );
    return { status: out.status, stderr: out.stderr };
}

describe("claim_local", () => {
    let state: string;
    beforeEach(() => (state = fs.mkdtempSync(path.join(os.tmpdir(), "lock-"))));
    afterEach(() => fs.rmSync(state, { recursive: true, force: true }));

    it("refuses while another live command holds the lock, naming it, and frees it on exit", async () => {
        const lock = path.join(state, "local.lock");
        const holder = spawn(
            "bash",
            [
                "-c",
                `. scripts/lib.sh; claim_local "npm run e2e"; trap 'exit 143' TERM; trap 'release_local; kill $s 2>/dev/null' EXIT; sleep 30 & s=$!; wait $s`,
            ],
            { cwd: ROOT, env: { ...process.env, PSK_STATE: state }, stdio: "ignore" },
        );
        while (!fs.existsSync(lock)) await new Promise((resolve) => setTimeout(resolve, 20));
        const second = claim(state, "npm run job up");
        expect(second.status).toBe(1);
        expect(second.stderr).toMatch(/in use by pid \d+ \(npm run e2e\)/);
        holder.kill("SIGTERM");
        await new Promise((resolve) => holder.once("exit", resolve));
        expect(fs.existsSync(lock)).toBe(false);
        expect(claim(state, "npm run job up").status).toBe(0);
    });

    it("takes over a lock whose owner has exited", () => {
        fs.writeFileSync(path.join(state, "local.lock"), "2147483646 npm run bench\n");
        const run = claim(state, "npm run job up", `cat "$LOCAL_LOCK"`);
        expect(run.status).toBe(0);
        expect(fs.existsSync(path.join(state, "local.lock"))).toBe(false);
    });
});
