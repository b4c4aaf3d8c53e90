/**
 * Command-line entry of the job runner, as the SparkJob component's command invokes it:
 *
 *   node -r ts-node/register/transpile-only jobrun/cli.ts run|delete
 *
 * The job spec comes as JSON in $JOB_RUN_SPEC (never on the command line). `run`
 * prints progress on stderr and, on success, one JSON line with the outcome on stdout.
 * `delete` removes every pod, service, config map and PVC the job's runs created.
 * spark-submit is $SPARK_SUBMIT, else `spark-submit` on $PATH.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import { ClusterEndpoint, sparkMaster } from "../lib/kubeconfig";
import { JobRunSpec } from "../lib/jobSpec";
import { KubeClient, kubeconfigPath, loadEndpoint } from "./kube";
import { RunFailure, RunnerDeps, SubmitProcess, removeJob, runJob } from "./runner";

const OUTPUT_TAIL_BYTES = 64 * 1024;

function readSpec(): JobRunSpec {
    const raw = process.env.JOB_RUN_SPEC;
    if (!raw)
        throw new RunFailure(
            "JOB_RUN_SPEC is not set: the job runner takes its job spec as JSON in that variable",
        );
    try {
        return JSON.parse(raw) as JobRunSpec;
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

function deps(spec: JobRunSpec, endpoint: ClusterEndpoint): RunnerDeps {
    const kubeconfig = kubeconfigPath(spec.cluster.kubeconfig);
    return {
        kube: new KubeClient(endpoint),
        startSubmit: (args) => startSubmit(args, kubeconfig),
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log: (message) => process.stderr.write(`[jobrun] ${message}\n`),
        newRunTag: () => `${Date.now().toString(36).slice(-6)}${randomBytes(2).toString("hex")}`,
        pollMs: Number(process.env.JOB_RUN_POLL_MS ?? 2000),
    };
}

async function main(mode: string | undefined): Promise<void> {
    const spec = readSpec();
    // Read the kubeconfig (and run any credential plugin) once, for both uses.
    const endpoint = loadEndpoint(spec.cluster.kubeconfig, spec.cluster.context);
    const d = deps(spec, endpoint);
    if (mode === "run") {
        const master = spec.cluster.master ?? sparkMaster(endpoint.server);
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
        throw new RunFailure(`unknown mode '${mode ?? ""}': use 'run' or 'delete'`);
    }
}

main(process.argv[2]).then(
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(
            `${err instanceof RunFailure ? err.message : ((err as Error).stack ?? String(err))}\n`,
        );
        process.exit(1);
    },
);
