/**
 * Starting a child program from a run resource and reading what it says: the runner
 * (runner/cli.js, found next to this package's own modules, never from the working
 * directory) and the image build script. Progress lines are handed over as they come;
 * if the deployer goes away meanwhile, the child is stopped and this process exits.
 */
import { spawn } from "child_process";
import * as path from "path";
import { nodeScript } from "../nodeScript";
import { watchParent } from "../runner/parentWatch";
import {
    Mode,
    PROGRESS_PREFIX,
    REQUEST_ENV,
    Request,
    Response,
    parseResponse,
} from "../runner/protocol";

/** How a child program ended. */
export interface ProcessResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Shows one progress line to the person running `pulumi up`. */
export type Progress = (line: string) => void;

const STDERR_KEPT = 64 * 1024;

/** Children still running, stopped when the deployer goes away. */
const running = new Set<import("child_process").ChildProcess>();
let watching = false;

/**
 * The deployer (the engine that started this provider process) is gone: nobody will read
 * what this process says. Stop the children (a runner leaves an in-cluster run going, and
 * a local run removes its pods on SIGTERM) and exit.
 */
function stopWhenDeployerGoes(): void {
    if (watching) return;
    watching = true;
    watchParent(() => {
        const exit = () => process.exit(1);
        if (running.size === 0) exit();
        for (const child of running) child.kill("SIGTERM");
        // A local run removes its pods before it exits: give it the time that takes, no more.
        void Promise.all(
            [...running].map((c) => new Promise((done) => c.once("close", done))),
        ).then(exit);
        setTimeout(exit, 30_000);
    });
}

/**
 * Runs `argv` with extra environment variables; never rejects. With `progress`, each
 * progress line of its stderr is handed over as it comes.
 */
export function runProcess(
    argv: readonly string[],
    env: Record<string, string>,
    progress?: Progress,
): Promise<ProcessResult> {
    stopWhenDeployerGoes();
    return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), {
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        running.add(child);
        let stdout = "";
        let stderr = "";
        let partial = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => {
            const text = chunk.toString("utf8");
            stderr = (stderr + text).slice(-STDERR_KEPT);
            if (!progress) return;
            const lines = (partial + text).split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines) if (line.startsWith(PROGRESS_PREFIX)) progress(line);
        });
        child.on("error", (err) => {
            running.delete(child);
            resolve({ code: 127, stdout, stderr: `cannot start ${argv[0]}: ${err.message}` });
        });
        child.on("close", (code) => {
            running.delete(child);
            resolve({ code, stdout, stderr });
        });
    });
}

/** A runner's stderr without its progress lines: what went wrong. */
export function failureText(stderr: string): string {
    return stderr
        .split(/\r?\n/)
        .filter((line) => !line.startsWith(PROGRESS_PREFIX))
        .join("\n")
        .trim();
}

/** The runner's directory: beside this module's, in the compiled package or its sources. */
const RUNNER_DIR = path.join(__dirname, "..", "runner");

/**
 * Calls the runner in one mode: the request goes in through the environment, the
 * response comes back parsed against the protocol; a failure rejects with the runner's
 * message.
 */
export async function callRunner<M extends Mode>(
    mode: M,
    request: Request<M>,
    progress?: Progress,
): Promise<Response<M>> {
    const result = await runProcess(
        [...nodeScript(RUNNER_DIR, "cli"), mode],
        { [REQUEST_ENV]: JSON.stringify(request) },
        progress,
    );
    if (result.code !== 0)
        throw new Error(failureText(result.stderr) || `the runner exited ${result.code}`);
    return parseResponse(mode, result.stdout);
}
