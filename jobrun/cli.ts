/**
 * Command-line entry of the job runner, as the job-run dynamic resources invoke it:
 *
 *   node -r ts-node/register/transpile-only jobrun/cli.ts run|delete|attach|status
 *
 * Its input comes as JSON in $JOB_RUN_SPEC (never on the command line). Progress goes
 * to stderr; on success one JSON line with the outcome goes to stdout.
 * - `run` (submitter local): spark-submit in cluster mode from here, then watch the
 *   driver; spark-submit is $SPARK_SUBMIT, else `spark-submit` on $PATH.
 * - `delete` (submitter local): remove every pod, service, config map and PVC the
 *   job's runs created.
 * - `attach` (submitter cluster): follow the run's Job to its outcome.
 * - `status` (submitter cluster): whether the run's Job still exists, for refresh.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { logTail } from "../lib/driverLog";
import { ClusterAccess, JobRunSpec } from "../lib/jobSpec";
import { ApiUnreachable, describeError } from "../lib/retry";
import { sparkMaster, sparkSubmitVersion } from "../lib/submit";
import { AttachSpec, attachRun } from "./attach";
import { KubeClient, kubeconfigPath, loadKubeConfig } from "./kube";
import { RunFailure, RunnerDeps, SubmitProcess, removeJob, runJob } from "./runner";

const OUTPUT_TAIL_BYTES = 64 * 1024;

function readSpec<T>(): T {
    const raw = process.env.JOB_RUN_SPEC;
    if (!raw)
        throw new RunFailure(
            "JOB_RUN_SPEC is not set: the job runner takes its job spec as JSON in that variable",
        );
    try {
        return JSON.parse(raw) as T;
    } catch (err) {
        throw new RunFailure(`JOB_RUN_SPEC is not valid JSON: ${(err as Error).message}`);
    }
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

function runnerDeps(spec: JobRunSpec, kube: KubeClient): RunnerDeps {
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

function log(message: string): void {
    process.stderr.write(`[jobrun] ${message}\n`);
}

function client(cluster: ClusterAccess, apiRetrySeconds: number | undefined): KubeClient {
    return new KubeClient(loadKubeConfig(cluster.kubeconfig, cluster.context), {
        retryWindowMs: (apiRetrySeconds ?? 120) * 1000,
        onRetry: (what, error) => log(`${what}: ${error}; retrying`),
    });
}

/** The local submitter refuses a deployer whose spark-submit is not the image's Spark. */
async function checkSparkVersion(spec: JobRunSpec): Promise<void> {
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
    if (found !== spec.sparkVersion) {
        throw new RunFailure(
            `job ${spec.job}: submitter 'local' needs spark-submit ${spec.sparkVersion} (image.sparkVersion), ` +
                `but ${program} on this machine is ${found ?? `not usable (${logTail(output, 3)})`}. ` +
                `Install pyspark==${spec.sparkVersion} (with Java 17) or use submitter 'cluster', which needs no Spark here.`,
        );
    }
}

/** What the deployer leaves running when it loses the API, and how it is cleaned up. */
function unreachableMessage(request: AttachRequest, err: ApiUnreachable): string {
    return [
        `job ${request.job}: lost the Kubernetes API: ${err.message}.`,
        `Still in the cluster: the run's Job ${request.namespace}/${request.jobName} and its pods keep running without the deployer` +
            ` (bounded by runTimeoutSeconds=${request.runTimeoutSeconds}).`,
        "Cleanup: the next `pulumi up` or `pulumi refresh` re-attaches to this same run and reports its outcome;" +
            " `pulumi destroy` deletes the Job and, through ownerReferences, its driver and executor pods.",
    ].join("\n");
}

/** What `attach` and `status` take: the run to follow and how to reach the cluster. */
export interface AttachRequest extends AttachSpec {
    readonly cluster: ClusterAccess;
    readonly apiRetrySeconds: number;
    readonly runTimeoutSeconds: number;
}

async function main(mode: string | undefined): Promise<void> {
    if (mode === "attach") {
        const request = readSpec<AttachRequest>();
        const interrupted = (signal: string) => {
            log(
                `${signal}: stopped following; the run keeps going in the cluster and the next pulumi up re-attaches to it`,
            );
            process.exit(130);
        };
        process.once("SIGINT", () => interrupted("SIGINT"));
        process.once("SIGTERM", () => interrupted("SIGTERM"));
        const kube = client(request.cluster, request.apiRetrySeconds);
        try {
            const outcome = await attachRun(request, { kube, now: () => Date.now(), log });
            process.stdout.write(`${JSON.stringify(outcome)}\n`);
        } catch (err) {
            if (err instanceof ApiUnreachable)
                throw new RunFailure(unreachableMessage(request, err));
            throw err;
        }
        return;
    }
    if (mode === "status") {
        // For refresh: does the run's Job still exist, and is it the one recorded?
        const request = readSpec<AttachRequest>();
        const kube = client(request.cluster, request.apiRetrySeconds);
        const job = await kube.get<{ metadata?: { uid?: string } }>(
            request.namespace,
            "jobs",
            request.jobName,
        );
        process.stdout.write(
            `${JSON.stringify({ exists: job !== undefined, uid: job?.metadata?.uid ?? "" })}\n`,
        );
        return;
    }
    const spec = readSpec<JobRunSpec>();
    const kube = client(spec.cluster, undefined);
    const d = runnerDeps(spec, kube);
    if (mode === "run") {
        await checkSparkVersion(spec);
        const master = spec.cluster.master ?? sparkMaster(kube.server);
        let cancelled = false;
        const cancel = (signal: string) => {
            if (cancelled) return;
            cancelled = true;
            d.log(`${signal}: removing this job's pods before exiting`);
            void removeJob(spec, d).finally(() => process.exit(130));
        };
        process.once("SIGINT", () => cancel("SIGINT"));
        process.once("SIGTERM", () => cancel("SIGTERM"));
        const outcome = await runJob(spec, master, d);
        process.stdout.write(`${JSON.stringify(outcome)}\n`);
    } else if (mode === "delete") {
        await removeJob(spec, d);
    } else {
        throw new RunFailure(`unknown mode '${mode ?? ""}': use run, delete, attach or status`);
    }
}

main(process.argv[2]).then(
    () => process.exit(0),
    (err: unknown) => {
        // A failure says what went wrong; never a stack trace.
        const message =
            err instanceof RunFailure || err instanceof ApiUnreachable
                ? err.message
                : `job runner error: ${describeError(err)}`;
        process.stderr.write(`${message}\n`);
        process.exit(1);
    },
);
