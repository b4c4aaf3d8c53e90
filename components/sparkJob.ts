import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { JobConfig } from "../lib/config";
import { ClusterAccess, JobRunSpec, appUri } from "../lib/jobSpec";

/** Arguments of {@link SparkJob}. */
export interface SparkJobArgs {
    /** The job's settings from the stack config (defaults filled in). */
    readonly job: JobConfig;
    /** Namespace to run in. */
    readonly namespace: pulumi.Input<string>;
    /** ServiceAccount the driver runs as. */
    readonly serviceAccountName: pulumi.Input<string>;
    /** Container image, pinned by digest. */
    readonly image: pulumi.Input<string>;
    /** How spark-submit and the runner reach the cluster. */
    readonly cluster: ClusterAccess;
    /** Project and stack, for pod labels; default the current ones. */
    readonly project?: string;
    readonly stack?: string;
}

/** What the runner prints on success (see jobrun/runner.ts `RunOutcome`). */
interface RunOutcomeJson {
    driverPod: string;
    namespace: string;
    runTag: string;
    exitCode: number;
    durationSeconds: number;
    result: string;
    executorsStarted: number;
}

/** Parses the runner's last stdout line. */
export function parseRunOutcome(stdout: string): RunOutcomeJson {
    const lines = stdout.trim().split(/\r?\n/);
    const last = lines[lines.length - 1] ?? "";
    try {
        return JSON.parse(last) as RunOutcomeJson;
    } catch {
        throw new Error(`job runner output does not end with its JSON outcome; last line was '${last}'`);
    }
}

/** The command line of the runner; the spec travels in the environment. */
export const RUNNER = "node -r ts-node/register/transpile-only jobrun/cli.ts";

/**
 * One run of a PySpark job: spark-submit in cluster mode, with real pass/fail.
 *
 * The run happens when the resource is created, and again (replacing it) whenever
 * the image digest, the app, its arguments, its Spark settings or `runId` change; an
 * unchanged `pulumi up` runs nothing. Deleting it kills a still-running application
 * and removes the driver pod, executors, services, config maps and PVCs of the job.
 */
export class SparkJob extends pulumi.ComponentResource {
    /** The driver pod of the last run. */
    public readonly driverPod: pulumi.Output<string>;
    public readonly namespace: pulumi.Output<string>;
    /** The driver container's exit code (0: the runner fails the update otherwise). */
    public readonly exitCode: pulumi.Output<number>;
    public readonly durationSeconds: pulumi.Output<number>;
    /** The driver log line matched by the job's `resultPattern` ("" without one). */
    public readonly result: pulumi.Output<string>;
    /** How many executor pods of the run got a container started. */
    public readonly executorsStarted: pulumi.Output<number>;

    constructor(name: string, args: SparkJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pyspark-k8s:job:SparkJob", name, {}, opts);
        const job = args.job;

        const spec: pulumi.Output<JobRunSpec> = pulumi
            .all([args.namespace, args.serviceAccountName, args.image])
            .apply(([namespace, serviceAccountName, image]) => ({
                project: args.project ?? pulumi.getProject(),
                stack: args.stack ?? pulumi.getStack(),
                job: name,
                namespace,
                serviceAccountName,
                image,
                app: appUri(job.app),
                args: job.args,
                driver: job.driver,
                executor: job.executor,
                dynamicAllocation: job.dynamicAllocation,
                labels: job.labels,
                conf: job.conf,
                env: job.env,
                resultPattern: job.resultPattern,
                startTimeoutSeconds: job.startTimeoutSeconds,
                runTimeoutSeconds: job.runTimeoutSeconds,
                runId: job.runId,
                cluster: args.cluster,
            }));

        const run = new command.local.Command(`${name}-run`, {
            create: `${RUNNER} run`,
            delete: `${RUNNER} delete`,
            environment: { JOB_RUN_SPEC: spec.apply((s) => JSON.stringify(s)) },
            // Named separately so that `pulumi preview` says why a job re-runs.
            triggers: [args.image, job.runId],
            logging: "stderr",
        }, {
            parent: this,
            // Any change re-runs the job as a replacement; deleting first removes the
            // previous run's pods before the new run needs the room.
            replaceOnChanges: ["environment", "triggers", "create", "delete"],
            deleteBeforeReplace: true,
        });

        const outcome = run.stdout.apply(parseRunOutcome);
        this.driverPod = outcome.driverPod;
        this.namespace = outcome.namespace;
        this.exitCode = outcome.exitCode;
        this.durationSeconds = outcome.durationSeconds;
        this.result = outcome.result;
        this.executorsStarted = outcome.executorsStarted;

        this.registerOutputs({
            driverPod: this.driverPod,
            namespace: this.namespace,
            exitCode: this.exitCode,
            durationSeconds: this.durationSeconds,
            result: this.result,
            executorsStarted: this.executorsStarted,
        });
    }
}
