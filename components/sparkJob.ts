import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { JobConfig } from "../lib/config";
import { cronJobManifest, jobManifest, podTemplatesManifest } from "../lib/jobPod";
import { jobNetworkPolicy } from "../lib/podTemplate";
import {
    ClusterAccess,
    JobRunSpec,
    SecretEnvRef,
    jobObjectLabels,
    jobSelector,
    runSpec,
    secretEnvName,
} from "../lib/jobSpec";
import { JobRun } from "../providers/jobRun";
import { RunResult } from "../providers/runResult";

/** Arguments of {@link SparkJob}. */
export interface SparkJobArgs {
    /** The job's settings from the stack config (defaults filled in); they decide its shape. */
    readonly job: JobConfig;
    /** Namespace to run in. */
    readonly namespace: pulumi.Input<string>;
    /** ServiceAccount the driver runs as. */
    readonly serviceAccountName: pulumi.Input<string>;
    /** Container image, pinned by digest. */
    readonly image: pulumi.Input<string>;
    /** The Spark version the image carries, if the stack declares it (checked by the local submitter). */
    readonly sparkVersion?: string;
    /** The image's non-root user id; every pod runs as it. */
    readonly runAsUser: number;
    /**
     * Secret environment variables of the driver and the executors, by name: they go into
     * a Kubernetes Secret of the job's own, which the pods read by reference.
     */
    readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
    /** How the runner (and, for the local submitter, spark-submit) reaches the cluster. */
    readonly cluster: ClusterAccess;
    /** How long the runner rides out an unreachable API before it fails; default 120 s. */
    readonly apiRetrySeconds?: number;
    /** Project and stack, for pod labels; default the current ones. */
    readonly project?: string;
    readonly stack?: string;
}

/** Project, stack and job: what the labels of a job's pods and objects are made of. */
type JobOwner = Pick<JobRunSpec, "project" | "stack" | "job">;

/** What a job's last run recorded, as the stack output `jobRuns` shows it. */
export interface RunRecord {
    readonly submitter: "cluster" | "local";
    /** The driver pod of the run (for `kubectl logs`). */
    readonly driverPod: string;
    /** The run's Kubernetes Job (cluster submitter). */
    readonly runJob?: string;
    readonly exitCode: number;
    readonly durationSeconds: number;
    /** Executor pods of the run that got a container started. */
    readonly executorsStarted: number;
    /** The driver log line matched by `resultPattern` ("" without one). */
    readonly result: string;
    /** Driver pods the run took: 1, plus one per retried failure. */
    readonly attempts: number;
}

/** What a scheduled job records: where its runs come from. */
export interface ScheduleRecord {
    readonly submitter: "cluster";
    /** The CronJob that starts the runs. */
    readonly cronJob: string;
    readonly schedule: string;
}

/**
 * One PySpark job with real pass/fail.
 *
 * - Submitter `cluster` (default): the run is a Kubernetes Job in the job's own image
 *   whose pod runs spark-submit in client mode and is the driver (lib/jobPod.ts); a
 *   RunResult then follows it to its end, live, and records the outcome. With a
 *   `schedule`, a CronJob of the same Job runs it instead, not during `pulumi up`.
 * - Submitter `local`: spark-submit in cluster mode from the deployer, watched by the
 *   job runner (providers/jobRun.ts, jobrun/runner.ts).
 *
 * A run happens when the job is created, and again whenever the image digest, the app,
 * its arguments, its Spark settings or `runId` change; an unchanged `pulumi up` runs
 * nothing. Deleting the job removes every pod of its runs.
 */
export class SparkJob extends pulumi.ComponentResource {
    /** The job's name in the stack config. */
    public readonly jobName: string;
    /** The last run, or the schedule of a scheduled job. */
    public readonly record: pulumi.Output<RunRecord | ScheduleRecord>;
    /** The result line of the last run ("" for a scheduled job). */
    public readonly result: pulumi.Output<string>;

    constructor(name: string, args: SparkJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pyspark-k8s:job:SparkJob", name, {}, opts);
        this.jobName = name;
        const job = args.job;
        // The job's place in the project: its pods' labels and its objects' labels.
        const owner: JobOwner = {
            project: args.project ?? pulumi.getProject(),
            stack: args.stack ?? pulumi.getStack(),
            job: name,
        };
        const secretEnv = this.secretEnv(owner, args);
        const spec: pulumi.Output<JobRunSpec> = pulumi
            .all([args.namespace, args.serviceAccountName, args.image])
            .apply(([namespace, serviceAccountName, image]) =>
                runSpec(name, job, {
                    project: owner.project,
                    stack: owner.stack,
                    namespace,
                    serviceAccountName,
                    image,
                    sparkVersion: args.sparkVersion,
                    runAsUser: args.runAsUser,
                    ...(secretEnv ? { secretEnv: secretEnv.ref } : {}),
                    cluster: args.cluster,
                }),
            );
        const runsAfter = secretEnv ? [secretEnv.secret] : [];
        if (job.networkPolicy) this.networkPolicy(owner, args);

        if (job.submitter === "local") {
            this.record = this.localRun(name, spec, job, runsAfter);
        } else if (job.schedule !== undefined) {
            const schedule = job.schedule;
            const manifest = spec.apply((s) => cronJobManifest(s, schedule));
            const cronJob = new k8s.batch.v1.CronJob(
                `${name}-schedule`,
                { metadata: manifest.metadata, spec: manifest.spec },
                {
                    parent: this,
                    deleteBeforeReplace: true,
                    dependsOn: [...runsAfter, this.podTemplates(name, spec)],
                },
            );
            this.record = cronJob.metadata.name.apply((cronJobName): ScheduleRecord => ({
                submitter: "cluster",
                cronJob: cronJobName,
                schedule: schedule.cron,
            }));
        } else {
            const templates = this.podTemplates(name, spec);
            this.record = this.clusterRun(name, spec, job, args, [...runsAfter, templates]);
        }
        this.result = this.record.apply((r) => ("result" in r ? r.result : ""));
        this.registerOutputs({ record: this.record, result: this.result });
    }

    /** The job's Secret of secret environment variables, if it has any. */
    private secretEnv(
        owner: JobOwner,
        args: SparkJobArgs,
    ): { secret: k8s.core.v1.Secret; ref: SecretEnvRef } | undefined {
        const name = owner.job;
        const values = args.secretEnv ?? {};
        const names = Object.keys(values).sort();
        if (names.length === 0) return undefined;
        const secretName = secretEnvName(name);
        const secret = new k8s.core.v1.Secret(
            `${name}-secret-env`,
            {
                metadata: {
                    name: secretName,
                    namespace: args.namespace,
                    labels: jobObjectLabels(owner),
                },
                type: "Opaque",
                stringData: pulumi.secret(
                    pulumi
                        .all(names.map((n) => values[n]))
                        .apply((vals) => Object.fromEntries(names.map((n, i) => [n, vals[i]]))),
                ),
            },
            { parent: this },
        );
        return { secret, ref: { secret: secretName, names } };
    }

    /** Admits traffic to the job's pods from its own pods only (driver and executors). */
    private networkPolicy(owner: JobOwner, args: SparkJobArgs): k8s.networking.v1.NetworkPolicy {
        return new k8s.networking.v1.NetworkPolicy(
            `${owner.job}-network-policy`,
            {
                metadata: { namespace: args.namespace, labels: jobObjectLabels(owner) },
                spec: jobNetworkPolicy(jobSelector(owner)),
            },
            { parent: this },
        );
    }

    /** The ConfigMap of the run's pod templates, which Spark reads to create the executors. */
    private podTemplates(name: string, spec: pulumi.Output<JobRunSpec>): k8s.core.v1.ConfigMap {
        const manifest = spec.apply(podTemplatesManifest);
        return new k8s.core.v1.ConfigMap(
            `${name}-pod-templates`,
            { metadata: manifest.metadata, data: manifest.data },
            { parent: this },
        );
    }

    /** The run as a Kubernetes Job, and its outcome. */
    private clusterRun(
        name: string,
        spec: pulumi.Output<JobRunSpec>,
        job: JobConfig,
        args: SparkJobArgs,
        runsAfter: pulumi.Resource[],
    ): pulumi.Output<RunRecord> {
        const manifest = spec.apply(jobManifest);
        const run = new k8s.batch.v1.Job(
            `${name}-job`,
            {
                metadata: manifest.metadata.apply((m) => ({
                    ...m,
                    annotations: {
                        // The RunResult follows the run; the provider only creates the Job.
                        "pulumi.com/skipAwait": "true",
                        // With skipAwait the provider does not wait for a Job's deletion:
                        // deleted in the background, the Job object goes at once (its pods
                        // follow), so a forced re-run can create the same name again.
                        "pulumi.com/deletionPropagationPolicy": "background",
                    },
                })),
                spec: manifest.spec,
            },
            // The same inputs name the same Job: a forced re-run must remove the old one first.
            { parent: this, deleteBeforeReplace: true, dependsOn: runsAfter },
        );
        const outcome = new RunResult(
            `${name}-result`,
            {
                job: name,
                namespace: run.metadata.namespace,
                jobName: run.metadata.name,
                jobUid: run.metadata.uid,
                resultPattern: job.resultPattern,
                startTimeoutSeconds: job.startTimeoutSeconds,
                runTimeoutSeconds: job.runTimeoutSeconds,
                apiRetrySeconds: args.apiRetrySeconds ?? 120,
                cluster: { kubeconfig: args.cluster.kubeconfig, context: args.cluster.context },
            },
            { parent: this },
        );
        return pulumi
            .all([
                outcome.driverPod,
                run.metadata.name,
                outcome.exitCode,
                outcome.durationSeconds,
                outcome.executorsStarted,
                outcome.result,
                outcome.attempts,
            ])
            .apply(
                ([
                    driverPod,
                    runJob,
                    exitCode,
                    durationSeconds,
                    executorsStarted,
                    result,
                    attempts,
                ]) => ({
                    submitter: "cluster" as const,
                    driverPod,
                    runJob,
                    exitCode,
                    durationSeconds,
                    executorsStarted,
                    result,
                    attempts,
                }),
            );
    }

    /** The run with spark-submit from the deployer. */
    private localRun(
        name: string,
        spec: pulumi.Output<JobRunSpec>,
        job: JobConfig,
        runsAfter: pulumi.Resource[],
    ): pulumi.Output<RunRecord> {
        // Any change to the spec, the image or runId replaces the run (deleting the
        // previous run's pods first): that is what re-runs the job.
        const run = new JobRun(
            `${name}-run`,
            {
                spec: spec.apply((s) => JSON.stringify(s)),
                image: spec.image,
                runId: job.runId,
            },
            { parent: this, deleteBeforeReplace: true, dependsOn: runsAfter },
        );
        return pulumi
            .all([
                run.driverPod,
                run.exitCode,
                run.durationSeconds,
                run.executorsStarted,
                run.result,
            ])
            .apply(([driverPod, exitCode, durationSeconds, executorsStarted, result]) => ({
                submitter: "local" as const,
                driverPod,
                exitCode,
                durationSeconds,
                executorsStarted,
                result,
                attempts: 1,
            }));
    }
}
