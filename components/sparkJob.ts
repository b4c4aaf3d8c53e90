import * as pulumi from "@pulumi/pulumi";
import type { JobConfig } from "../lib/config";
import { ClusterAccess, JobRunSpec, appUri } from "../lib/jobSpec";
import { JobRun } from "../providers/jobRun";

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

/**
 * One run of a PySpark job: spark-submit in cluster mode, with real pass/fail
 * (see jobrun/runner.ts), as a dynamic resource (providers/jobRun.ts).
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

        // Any change to the spec, the image or runId replaces the run (deleting the
        // previous run's pods first): that is what re-runs the job.
        const run = new JobRun(
            `${name}-run`,
            {
                spec: spec.apply((s) => JSON.stringify(s)),
                image: args.image,
                runId: job.runId,
            },
            { parent: this },
        );

        this.driverPod = run.driverPod;
        this.namespace = run.namespace;
        this.exitCode = run.exitCode;
        this.durationSeconds = run.durationSeconds;
        this.result = run.result;
        this.executorsStarted = run.executorsStarted;

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
