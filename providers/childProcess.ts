/**
 * Running one of the project's helper programs from a dynamic provider. Self-contained
 * (built-in modules only): dynamic providers are serialized into the Pulumi state and
 * run in the engine's provider process, in the project directory.
 */

/** The runner, as run from the project directory (where the engine starts providers). */
export const RUNNER_ARGV: readonly string[] = [
    "node",
    "-r",
    "ts-node/register/transpile-only",
    "jobrun/cli.ts",
];

/** How a helper program ended. */
export interface ProcessResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Progress lines of the runner start with this; the rest of its stderr is the failure. */
export const PROGRESS_PREFIX = "[jobrun] ";

/**
 * Runs `argv` with extra environment variables; never rejects. With `onProgress`,
 * each progress line of its stderr is handed over as it comes (a dynamic provider's
 * console.error shows it live in `pulumi up`).
 */
export function runProcess(
    argv: readonly string[],
    env: Record<string, string>,
    onProgress?: (line: string) => void,
): Promise<ProcessResult> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require("child_process") as typeof import("child_process");
    return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), {
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        let partial = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => {
            const text = chunk.toString("utf8");
            stderr = (stderr + text).slice(-64 * 1024);
            if (!onProgress) return;
            const lines = (partial + text).split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines) if (line.startsWith(PROGRESS_PREFIX)) onProgress(line);
        });
        child.on("error", (err) =>
            resolve({ code: 127, stdout, stderr: `cannot start ${argv[0]}: ${err.message}` }),
        );
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** The last line of a program's output. */
export function lastLine(text: string): string {
    const lines = text.trim().split(/\r?\n/);
    return lines[lines.length - 1]?.trim() ?? "";
}

/** Names of the keys whose values differ between two property bags. */
export function changedKeys(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    keys: readonly string[],
): string[] {
    return keys.filter(
        (key) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null),
    );
}

/** A runner's stderr without its progress lines: what went wrong. */
export function failureText(stderr: string): string {
    return stderr
        .split(/\r?\n/)
        .filter((line) => !line.startsWith(PROGRESS_PREFIX))
        .join("\n")
        .trim();
}
