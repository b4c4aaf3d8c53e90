/**
 * The outcome of an in-cluster run: a Pulumi dynamic resource whose create follows the
 * run's Kubernetes Job (created just before by the stack) to its end with the job
 * runner (`jobrun/cli.ts attach`), showing its progress live, and records the result.
 *
 * It owns nothing in the cluster: the Job does (deleting the Job deletes its pods, and
 * Spark's executors through their ownerReferences to the driver pod). Creating it again
 * for the same Job re-attaches to that run; it never starts one.
 */
import * as pulumi from "@pulumi/pulumi";
import { RUNNER_ARGV, changedKeys, failureText, lastLine, runProcess } from "./childProcess";

/** Inputs of a run's outcome. */
export interface RunResultInputs {
    /** The job's name in the stack config. */
    readonly job: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    /** The run's Job, by name and uid (a new Job with the same name is a new run). */
    readonly jobName: pulumi.Input<string>;
    readonly jobUid: pulumi.Input<string>;
    readonly resultPattern?: pulumi.Input<string>;
    readonly startTimeoutSeconds: pulumi.Input<number>;
    readonly runTimeoutSeconds: pulumi.Input<number>;
    /** How long API errors are retried before following the run fails. */
    readonly apiRetrySeconds: pulumi.Input<number>;
    /** How the runner reaches the cluster. */
    readonly cluster: pulumi.Input<{ kubeconfig?: string; context?: string }>;
}

interface Props {
    job: string;
    namespace: string;
    jobName: string;
    jobUid: string;
    resultPattern?: string;
    startTimeoutSeconds: number;
    runTimeoutSeconds: number;
    apiRetrySeconds: number;
    cluster: { kubeconfig?: string; context?: string };
}

/** What a run records: its inputs plus the outcome. */
export interface RunResultOutputs extends Props {
    driverPod: string;
    exitCode: number;
    durationSeconds: number;
    result: string;
    executorsStarted: number;
    attempts: number;
}

/** A different Job, or a different reading of its log, is a different outcome. */
const REATTACHING_KEYS = ["namespace", "jobName", "jobUid", "resultPattern"];

/** The dynamic provider behind {@link RunResult}. */
export const runResultProvider: pulumi.dynamic.ResourceProvider<Props, RunResultOutputs> = {
    async create(inputs) {
        const run = await runProcess(
            [...RUNNER_ARGV, "attach"],
            { JOB_RUN_SPEC: JSON.stringify(inputs) },
            (line) => console.error(line),
        );
        if (run.code !== 0)
            throw new Error(failureText(run.stderr) || `job runner exited ${run.code}`);
        const outcome = JSON.parse(lastLine(run.stdout)) as Omit<RunResultOutputs, keyof Props>;
        return { id: `${inputs.namespace}/${inputs.jobName}`, outs: { ...inputs, ...outcome } };
    },
    diff(_id, olds, news) {
        const o = olds as unknown as Record<string, unknown>;
        const n = news as unknown as Record<string, unknown>;
        const replaces = changedKeys(o, n, REATTACHING_KEYS);
        const changes =
            changedKeys(
                o,
                n,
                Object.keys({ ...o, ...n }).filter((k) => k in n),
            ).length > 0;
        return Promise.resolve({ changes: changes || replaces.length > 0, replaces });
    },
    update(_id, olds, news) {
        // Timeouts or API settings changed: nothing to do for a run that has ended.
        return Promise.resolve({ outs: { ...olds, ...news } });
    },
    async read(id, props?: RunResultOutputs) {
        if (!props) return { id, props };
        // Refresh: a run whose Job is gone (or is another Job now) is gone from the stack.
        const status = await runProcess([...RUNNER_ARGV, "status"], {
            JOB_RUN_SPEC: JSON.stringify(props),
        });
        if (status.code !== 0)
            throw new Error(failureText(status.stderr) || `job runner exited ${status.code}`);
        const found = JSON.parse(lastLine(status.stdout)) as { exists: boolean; uid: string };
        if (!found.exists || found.uid !== props.jobUid)
            return { id: "", props: {} as RunResultOutputs };
        return { id, props };
    },
};

/** The outcome of one run of a job (see {@link runResultProvider}). */
export class RunResult extends pulumi.dynamic.Resource {
    declare public readonly driverPod: pulumi.Output<string>;
    declare public readonly exitCode: pulumi.Output<number>;
    declare public readonly durationSeconds: pulumi.Output<number>;
    declare public readonly result: pulumi.Output<string>;
    declare public readonly executorsStarted: pulumi.Output<number>;
    declare public readonly attempts: pulumi.Output<number>;

    constructor(name: string, args: RunResultInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            runResultProvider,
            name,
            {
                ...args,
                driverPod: undefined,
                exitCode: undefined,
                durationSeconds: undefined,
                result: undefined,
                executorsStarted: undefined,
                attempts: undefined,
            },
            opts,
            "pyspark-k8s",
            "RunResult",
        );
    }
}
