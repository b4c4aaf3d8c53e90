/**
 * The runner process the run resources start: `node runner/cli.js <mode>`, with the
 * mode's request as JSON in $PSK_RUNNER_REQUEST (never on the command line). The modes,
 * their requests and responses are defined in protocol.ts. Progress goes to stderr; on
 * success one JSON line, the response, goes to stdout; on failure the message goes to
 * stderr and the exit code is 1.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { logTail } from "../lib/driverLog";
import { ApiUnreachable, describeError } from "../lib/retry";
import { RunFailure } from "../lib/runMessages";
import type { ClusterAccess, RunSpec } from "../lib/runSpec";
import { sparkMaster, sparkSubmitVersion } from "../lib/submit";
import { attachRun } from "./attach";
import { KubeClient, kubeconfigPath, loadKubeConfig } from "./kube";
import { watchParent } from "./parentWatch";
import {
    AttachRequest,
    Mode,
    PROGRESS_PREFIX,
    ProtocolError,
    Response,
    isMode,
    parseRequest,
} from "./protocol";
import { RunnerDeps, SubmitProcess, removeJob, runJob } from "./runner";

const OUTPUT_TAIL_BYTES = 64 * 1024;

function log(message: string): void {
    process.stderr.write(`${PROGRESS_PREFIX}${message}\n`);
}

function client(cluster: ClusterAccess, apiRetrySeconds: number | undefined): KubeClient {
    return new KubeClient(loadKubeConfig(cluster.kubeconfig, cluster.context), {
        retryWindowMs: (apiRetrySeconds ?? 120) * 1000,
        onRetry: (what, error) => log(`${what}: ${error}; retrying`),
    });
}

function startSubmit(args: readonly string[], kubeconfig: string): SubmitProcess {
    const program = process.env.SPARK_SUBMIT ?? "spark-submit";
    const child = spawn(program, [...args], {
        env: { ...process.env, KUBECONFIG: kubeconfig },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const exited = new Promise<{ code: number | null; output: string }>((resolve) => {
        child.on("error", (err) =>
            resolve({ code: 127, output: `cannot start ${program}: ${err.message}` }),
        );
        child.on("close", (code) => resolve({ code, output }));
    });
    return {
        exited,
        kill: () => {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        },
    };
}

/** Writes the run's pod templates into a private directory removed when the runner exits. */
function writePodTemplates(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "psk-pod-templates-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    for (const [name, content] of Object.entries(files))
        writeFileSync(join(dir, name), content, { mode: 0o600 });
    return dir;
}

function runnerDeps(spec: RunSpec, kube: KubeClient): RunnerDeps {
    const kubeconfig = kubeconfigPath(spec.cluster.kubeconfig);
    return {
        kube,
        startSubmit: (args) => startSubmit(args, kubeconfig),
        writePodTemplates,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log,
        newRunTag: () => `${Date.now().toString(36).slice(-6)}${randomBytes(2).toString("hex")}`,
        pollMs: Number(process.env.JOB_RUN_POLL_MS ?? 2000),
    };
}

/** The local submitter refuses a deployer whose spark-submit is not the image's Spark. */
async function checkSparkVersion(spec: RunSpec): Promise<void> {
    if (spec.sparkVersion === undefined) return;
    const program = process.env.SPARK_SUBMIT ?? "spark-submit";
    const output = await new Promise<string>((resolve) => {
        const child = spawn(program, ["--version"], { stdio: ["ignore", "pipe", "pipe"] });
        let text = "";
        child.stdout.on("data", (c: Buffer) => (text += c.toString("utf8")));
        child.stderr.on("data", (c: Buffer) => (text += c.toString("utf8")));
        child.on("error", (err) => resolve(`cannot start ${program}: ${err.message}`));
        child.on("close", () => resolve(text));
    });
    const found = sparkSubmitVersion(output);
    if (found !== spec.sparkVersion)
        throw new RunFailure(
            `job ${spec.job}: submitter 'local' needs spark-submit ${spec.sparkVersion} (image.sparkVersion), ` +
                `but ${program} on this machine is ${found ?? `not usable (${logTail(output, 3)})`}. ` +
                `Install pyspark==${spec.sparkVersion} (with Java 17) or use submitter 'cluster', which needs no Spark here.`,
        );
}

/** What the deployer leaves running when it loses the API, and how it is cleaned up. */
function unreachableMessage(request: AttachRequest, err: ApiUnreachable): string {
    return [
        `job ${request.job}: lost the Kubernetes API: ${err.message}.`,
        `Still in the cluster: the run's Job ${request.namespace}/${request.runName} and its pods keep running without the deployer` +
            ` (bounded by runTimeoutSeconds=${request.runTimeoutSeconds}).`,
        "Cleanup: the next `pulumi up` or `pulumi refresh` re-attaches to this same run and reports its outcome;" +
            " `pulumi destroy` deletes the Job and, through ownerReferences, its driver and executor pods.",
    ].join("\n");
}

/** Follows an in-cluster run; an interrupt or a lost deployer leaves the run going. */
async function attach(): Promise<Response<"attach">> {
    const request = parseRequest("attach", process.env);
    const leave = (why: string) => {
        log(
            `${why}: stopped following; the run keeps going in the cluster and the next pulumi up re-attaches to it`,
        );
        process.exit(130);
    };
    process.once("SIGINT", () => leave("SIGINT"));
    process.once("SIGTERM", () => leave("SIGTERM"));
    watchParent(() => leave("the deployer is gone"));
    try {
        return await attachRun(request, {
            kube: client(request.cluster, request.apiRetrySeconds),
            now: () => Date.now(),
            log,
        });
    } catch (err) {
        if (err instanceof ApiUnreachable) throw new RunFailure(unreachableMessage(request, err));
        throw err;
    }
}

/** For refresh: does the run's Job still exist, and is it the one recorded? */
async function status(): Promise<Response<"status">> {
    const request = parseRequest("status", process.env);
    const kube = client(request.cluster, request.apiRetrySeconds);
    const job = await kube.get<{ metadata?: { uid?: string } }>(
        request.namespace,
        "jobs",
        request.runName,
    );
    return { exists: job !== undefined, uid: job?.metadata?.uid ?? "" };
}

/** A run from the deployer; an interrupt or a lost deployer removes its pods first. */
async function run(): Promise<Response<"run">> {
    const spec = parseRequest("run", process.env);
    const kube = client(spec.cluster, undefined);
    const deps = runnerDeps(spec, kube);
    await checkSparkVersion(spec);
    const master = spec.cluster.master ?? sparkMaster(kube.server);
    let cancelled = false;
    const cancel = (why: string) => {
        if (cancelled) return;
        cancelled = true;
        log(`${why}: removing this job's pods before exiting`);
        void removeJob(spec, deps).finally(() => process.exit(130));
    };
    process.once("SIGINT", () => cancel("SIGINT"));
    process.once("SIGTERM", () => cancel("SIGTERM"));
    watchParent(() => cancel("the deployer is gone"));
    return runJob(spec, master, deps);
}

/** Removes what every run of a job from the deployer created. */
async function remove(): Promise<Response<"delete">> {
    const spec = parseRequest("delete", process.env);
    return { removed: await removeJob(spec, runnerDeps(spec, client(spec.cluster, undefined))) };
}

const MODE_MAIN: { readonly [M in Mode]: () => Promise<Response<M>> } = {
    attach,
    status,
    run,
    delete: remove,
};

async function main(mode: string | undefined): Promise<void> {
    if (!isMode(mode))
        throw new ProtocolError(
            `unknown mode '${mode ?? ""}': use ${Object.keys(MODE_MAIN).join(", ")}`,
        );
    const response = await MODE_MAIN[mode]();
    process.stdout.write(`${JSON.stringify(response)}\n`);
}

main(process.argv[2]).then(
    () => process.exit(0),
    (err: unknown) => {
        // A failure says what went wrong; never a stack trace.
        const message =
            err instanceof RunFailure ||
            err instanceof ApiUnreachable ||
            err instanceof ProtocolError
                ? err.message
                : `job runner error: ${describeError(err)}`;
        process.stderr.write(`${message}\n`);
        process.exit(1);
    },
);
