/**
 * The job-run resource: a Pulumi dynamic resource whose create runs one job with the
 * job runner (jobrun/cli.ts run) and whose delete removes what the job's runs created
 * (jobrun/cli.ts delete). Any change to its inputs replaces it, deleting first: that
 * is how a job re-runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { RUNNER_ARGV, changedKeys, lastLine, runProcess } from "./childProcess";

/** Inputs of a job run; a change to any of them re-runs the job. */
export interface JobRunInputs {
    /** The job spec (lib/jobSpec.ts JobRunSpec) as JSON. */
    readonly spec: pulumi.Input<string>;
    /** The image reference pinned by digest (also inside spec; separate for readable diffs). */
    readonly image: pulumi.Input<string>;
    /** The job's runId (also inside spec). */
    readonly runId: pulumi.Input<string>;
}

/** What a run records: its inputs plus the runner's outcome. */
export interface JobRunOutputs {
    spec: string;
    image: string;
    runId: string;
    driverPod: string;
    namespace: string;
    runTag: string;
    exitCode: number;
    durationSeconds: number;
    result: string;
    executorsStarted: number;
}

const REPLACING_KEYS = ["spec", "image", "runId"];

/** The dynamic provider behind {@link JobRun}. */
export const jobRunProvider: pulumi.dynamic.ResourceProvider<
    { spec: string; image: string; runId: string },
    JobRunOutputs
> = {
    async create(inputs) {
        const run = await runProcess([...RUNNER_ARGV, "run"], { JOB_RUN_SPEC: inputs.spec });
        if (run.code !== 0) throw new Error(`job run failed:\n${run.stderr.trim()}`);
        const outcome = JSON.parse(lastLine(run.stdout)) as Omit<
            JobRunOutputs,
            "spec" | "image" | "runId"
        >;
        return { id: `${outcome.namespace}/${outcome.driverPod}`, outs: { ...inputs, ...outcome } };
    },
    diff(_id, olds, news) {
        const replaces = changedKeys(
            olds as unknown as Record<string, unknown>,
            news as unknown as Record<string, unknown>,
            REPLACING_KEYS,
        );
        return Promise.resolve({
            changes: replaces.length > 0,
            replaces,
            deleteBeforeReplace: true,
        });
    },
    async delete(_id, props) {
        const run = await runProcess([...RUNNER_ARGV, "delete"], { JOB_RUN_SPEC: props.spec });
        if (run.code !== 0)
            throw new Error(`removing the job's pods failed:\n${run.stderr.trim()}`);
    },
};

/** One run of a job (see {@link jobRunProvider}). */
export class JobRun extends pulumi.dynamic.Resource {
    declare public readonly driverPod: pulumi.Output<string>;
    declare public readonly namespace: pulumi.Output<string>;
    declare public readonly exitCode: pulumi.Output<number>;
    declare public readonly durationSeconds: pulumi.Output<number>;
    declare public readonly result: pulumi.Output<string>;
    declare public readonly executorsStarted: pulumi.Output<number>;

    constructor(name: string, args: JobRunInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            jobRunProvider,
            name,
            {
                ...args,
                driverPod: undefined,
                namespace: undefined,
                runTag: undefined,
                exitCode: undefined,
                durationSeconds: undefined,
                result: undefined,
                executorsStarted: undefined,
            },
            opts,
            "pyspark-k8s",
            "JobRun",
        );
    }
}
