import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SparkJobSettings, sparkJobProblems, validOrThrow } from "../lib/componentArgs";
import { cronJobManifest, jobManifest, podTemplatesManifest, runName } from "../lib/jobPod";
import { JobSettings, jobSettingsSchema } from "../lib/jobSettings";
import {
    CREDENTIAL_KEYS,
    DRIVER_METRICS_PATH,
    EXECUTOR_METRICS_PATH,
    METRICS_PORT_NAME,
    eventLogSecretName,
    historyRunUrl,
    runLogsLocation,
} from "../lib/observability";
import { jobNetworkPolicy } from "../lib/podTemplate";
import {
    LABELS,
    RunSpec,
    jobObjectLabels,
    jobSelector,
    runSpec,
    secretEnvName,
} from "../lib/runSpec";
import type { JobRunOutputs, RunResultOutputs } from "../run/providers";
import { RUN_OUTCOME_KEYS, runResource } from "../run/resources";
import type { RunOutcome } from "../runner/protocol";
import { InvalidArgumentsError } from "../lib/problems";
import { problemsKnownNow } from "./knownNow";
import { EventLogArgs, SparkJobArgs, Submitter } from "./sparkJobArgs";

/** What a job's last run recorded: the stack output `jobRuns` shows it. */
export interface RunRecord extends RunOutcome {
    /** Who ran spark-submit: `cluster` or `local`. */
    readonly submitter: Submitter;
    /** The run's page on the History Server (with `historyServerUrl` and an application id). */
    readonly historyUrl?: string;
    /** Where the run's pod logs are kept (with `podLogsDir`): `s3://bucket/prefix/<namespace>/<run>/`. */
    readonly logs?: string;
}

/** What a scheduled job records: where its runs come from. */
export interface ScheduleRecord {
    /** The CronJob that starts the runs. */
    readonly cronJob: string;
    readonly schedule: string;
}

/** What `pulumi up` knows of a job: its last run, or its schedule. */
export type JobRecord = RunRecord | ScheduleRecord;

const TYPE = "pyspark-k8s:job:SparkJob";

/**
 * One PySpark job with real pass/fail.
 *
 * - Submitter `cluster` (default): the run is a Kubernetes Job in the job's own image
 *   whose pod runs spark-submit in client mode and is the driver; a RunResult then
 *   follows it to its end, live, and records the outcome. With a `schedule`, a CronJob of
 *   the same Job runs it instead, not during `pulumi up`.
 * - Submitter `local`: spark-submit in cluster mode from the deployer, watched by the
 *   runner (a JobRun).
 *
 * A run happens when the job is created, and again whenever the image digest, the app,
 * its arguments, its Spark settings or `runId` change; an unchanged `pulumi up` runs
 * nothing. Deleting the job removes every pod of its runs.
 */
export class SparkJob extends pulumi.ComponentResource {
    /** The last run: driver pod, exit code, duration, executors, result (none for a scheduled job). */
    public readonly lastRun: pulumi.Output<RunRecord | undefined>;
    /** The CronJob and schedule of a scheduled job (none otherwise). */
    public readonly scheduled: pulumi.Output<ScheduleRecord | undefined>;
    /** The result line of the last run ("" for a scheduled job, or without `resultPattern`). */
    public readonly result: pulumi.Output<string>;

    constructor(name: string, args: SparkJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        const settings = validSettings(name, args);
        const spec = settings.apply((s) => runSpec(jobSettingsOf(s), placement(name, s)));
        const runsAfter: pulumi.Resource[] = [];
        if (args.secretEnv !== undefined) runsAfter.push(this.secret(name, spec, args.secretEnv));
        const credentials = args.eventLog?.credentials;
        if (credentials !== undefined) runsAfter.push(this.eventLogSecret(name, spec, credentials));
        if (args.networkPolicy !== false) this.networkPolicy(name, spec);
        if (args.metrics?.podMonitor) this.podMonitor(name, spec);

        if (args.submitter === "local") {
            this.lastRun = this.localRun(name, spec, runsAfter);
            this.scheduled = pulumi.output(undefined);
        } else if (args.schedule !== undefined) {
            this.scheduled = this.cronJob(name, spec, settings, runsAfter);
            this.lastRun = pulumi.output(undefined);
        } else {
            this.lastRun = this.clusterRun(name, spec, settings, runsAfter);
            this.scheduled = pulumi.output(undefined);
        }
        this.lastRun = pulumi
            .all([this.lastRun, settings])
            .apply(([run, s]) => (run === undefined ? undefined : withLinks(run, s)));
        this.result = this.lastRun.apply((run) => run?.result ?? "");
        this.registerOutputs({
            lastRun: this.lastRun,
            scheduled: this.scheduled,
            result: this.result,
        });
    }

    /** The job's Secret of secret environment variables, read by its pods by reference. */
    private secret(
        name: string,
        spec: pulumi.Output<RunSpec>,
        values: NonNullable<SparkJobArgs["secretEnv"]>,
    ): k8s.core.v1.Secret {
        return new k8s.core.v1.Secret(
            `${name}-secret-env`,
            {
                metadata: {
                    name: secretEnvName(name),
                    namespace: spec.namespace,
                    labels: spec.apply(jobObjectLabels),
                },
                type: "Opaque",
                stringData: pulumi.secret(pulumi.output(values)),
            },
            { parent: this },
        );
    }

    /** The keys that write the event log, read by the driver by reference. */
    private eventLogSecret(
        name: string,
        spec: pulumi.Output<RunSpec>,
        credentials: NonNullable<EventLogArgs["credentials"]>,
    ): k8s.core.v1.Secret {
        return new k8s.core.v1.Secret(
            `${name}-event-log`,
            {
                metadata: {
                    name: eventLogSecretName(name),
                    namespace: spec.namespace,
                    labels: spec.apply(jobObjectLabels),
                },
                type: "Opaque",
                stringData: pulumi.secret({
                    [CREDENTIAL_KEYS.accessKeyId]: credentials.accessKeyId,
                    [CREDENTIAL_KEYS.secretAccessKey]: credentials.secretAccessKey,
                }),
            },
            { parent: this },
        );
    }

    /** A PodMonitor of the job's drivers, for the Prometheus Operator. */
    private podMonitor(
        name: string,
        spec: pulumi.Output<RunSpec>,
    ): k8s.apiextensions.CustomResource {
        return new k8s.apiextensions.CustomResource(
            `${name}-pod-monitor`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { namespace: spec.namespace, labels: spec.apply(jobObjectLabels) },
                spec: spec.apply((s) => ({
                    selector: { matchLabels: { ...jobSelector(s), "spark-role": "driver" } },
                    podMetricsEndpoints: [DRIVER_METRICS_PATH, EXECUTOR_METRICS_PATH].map(
                        (path) => ({ port: METRICS_PORT_NAME, path, interval: "5s" }),
                    ),
                    podTargetLabels: [LABELS.job, LABELS.run],
                })),
            },
            { parent: this },
        );
    }

    /** Admits traffic to the job's pods from its own pods only (driver and executors). */
    private networkPolicy(
        name: string,
        spec: pulumi.Output<RunSpec>,
    ): k8s.networking.v1.NetworkPolicy {
        return new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: { namespace: spec.namespace, labels: spec.apply(jobObjectLabels) },
                spec: spec.apply((s) =>
                    jobNetworkPolicy(jobSelector(s), s.metrics?.prometheus === true),
                ),
            },
            { parent: this },
        );
    }

    /** The ConfigMap of the run's pod templates, which Spark reads to create the executors. */
    private podTemplates(
        name: string,
        spec: pulumi.Output<RunSpec>,
        runsAfter: pulumi.Resource[],
    ): k8s.core.v1.ConfigMap {
        const manifest = spec.apply(podTemplatesManifest);
        return new k8s.core.v1.ConfigMap(
            `${name}-pod-templates`,
            { metadata: manifest.metadata, data: manifest.data },
            { parent: this, dependsOn: runsAfter },
        );
    }

    /** The run as a Kubernetes Job, and its outcome. */
    private clusterRun(
        name: string,
        spec: pulumi.Output<RunSpec>,
        settings: pulumi.Output<SparkJobSettings>,
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
            {
                parent: this,
                deleteBeforeReplace: true,
                dependsOn: [...runsAfter, this.podTemplates(name, spec, runsAfter)],
            },
        );
        const outcome = runResource<RunResultOutputs>(
            "RunResult",
            `${name}-result`,
            {
                job: name,
                namespace: run.metadata.namespace,
                runName: run.metadata.name,
                runUid: run.metadata.uid,
                resultPattern: settings.resultPattern,
                startTimeoutSeconds: settings.startTimeoutSeconds,
                runTimeoutSeconds: settings.runTimeoutSeconds,
                apiRetrySeconds: settings.apiRetrySeconds,
                cluster: settings.cluster,
                eventLogDir: settings.apply((s) => s.eventLog?.dir),
            },
            RUN_OUTCOME_KEYS,
            { parent: this },
        );
        return recordOf("cluster", outcome);
    }

    /** A scheduled job: a CronJob of the same Job, which runs nothing during `pulumi up`. */
    private cronJob(
        name: string,
        spec: pulumi.Output<RunSpec>,
        settings: pulumi.Output<SparkJobSettings>,
        runsAfter: pulumi.Resource[],
    ): pulumi.Output<ScheduleRecord> {
        const manifest = pulumi
            .all([spec, settings])
            .apply(([s, v]) => cronJobManifest(s, v.schedule!));
        const cronJob = new k8s.batch.v1.CronJob(
            `${name}-schedule`,
            { metadata: manifest.metadata, spec: manifest.spec },
            {
                parent: this,
                deleteBeforeReplace: true,
                dependsOn: [...runsAfter, this.podTemplates(name, spec, runsAfter)],
            },
        );
        return pulumi
            .all([cronJob.metadata.name, settings])
            .apply(([cronJobName, s]) => ({ cronJob: cronJobName, schedule: s.schedule!.cron }));
    }

    /** The run with spark-submit from the deployer. */
    private localRun(
        name: string,
        spec: pulumi.Output<RunSpec>,
        runsAfter: pulumi.Resource[],
    ): pulumi.Output<RunRecord> {
        // A change to what runs (the run's name) replaces the run, deleting the previous
        // run's pods first: that is what re-runs the job.
        const run = runResource<JobRunOutputs>(
            "JobRun",
            `${name}-run`,
            { spec, runKey: spec.apply(runName) },
            RUN_OUTCOME_KEYS,
            { parent: this, deleteBeforeReplace: true, dependsOn: runsAfter },
        );
        return recordOf("local", run);
    }
}

/** The last run, or the schedule, of a job: its entry in the stack output `jobRuns`. */
export function jobRecord(job: SparkJob): pulumi.Output<JobRecord | undefined> {
    return pulumi.all([job.lastRun, job.scheduled]).apply(([run, schedule]) => run ?? schedule);
}

/** A run resource's outcome as the job's record. */
function recordOf(
    submitter: Submitter,
    outcome: { readonly [K in keyof RunOutcome]: pulumi.Output<RunOutcome[K]> },
): pulumi.Output<RunRecord> {
    return pulumi
        .all(RUN_OUTCOME_KEYS.map((key) => outcome[key] as pulumi.Output<unknown>))
        .apply((values) => ({
            submitter,
            ...(Object.fromEntries(
                RUN_OUTCOME_KEYS.map((key, i) => [key, values[i]]),
            ) as unknown as RunOutcome),
        }));
}

/** A run's record with where to look at it: its History Server page, its kept logs. */
function withLinks(run: RunRecord, s: SparkJobSettings): RunRecord {
    return {
        ...run,
        ...(s.historyServerUrl !== undefined && run.appId
            ? { historyUrl: historyRunUrl(s.historyServerUrl, run.appId) }
            : {}),
        ...(s.podLogsDir !== undefined
            ? { logs: runLogsLocation(s.podLogsDir, run.namespace, run.runName) }
            : {}),
    };
}

/** The job's own settings among its validated arguments (the rest say where it runs). */
function jobSettingsOf(s: SparkJobSettings): JobSettings {
    const keys = Object.keys(jobSettingsSchema.shape) as (keyof JobSettings)[];
    return Object.fromEntries(
        keys.filter((key) => s[key] !== undefined).map((key) => [key, s[key]]),
    ) as JobSettings;
}

/** Where and as whom the job runs, from its validated arguments. */
function placement(name: string, s: SparkJobSettings) {
    return {
        project: s.project ?? pulumi.getProject(),
        stack: s.stack ?? pulumi.getStack(),
        job: name,
        namespace: s.namespace,
        serviceAccountName: s.serviceAccountName,
        image: s.image,
        runAsUser: s.runAsUser,
        ...(s.sparkVersion !== undefined ? { sparkVersion: s.sparkVersion } : {}),
        ...(s.secretEnv !== undefined
            ? { secretEnv: { secret: secretEnvName(name), names: Object.keys(s.secretEnv).sort() } }
            : {}),
        cluster: s.cluster,
        ...(s.eventLog !== undefined
            ? {
                  eventLog: {
                      dir: s.eventLog.dir,
                      store: s.eventLog.store,
                      ...(s.eventLog.credentialsProvider !== undefined
                          ? { credentialsProvider: s.eventLog.credentialsProvider }
                          : {}),
                      ...(s.eventLog.credentials !== undefined
                          ? { secret: eventLogSecretName(name) }
                          : {}),
                  },
              }
            : {}),
        ...(s.metrics?.prometheus ? { metrics: { prometheus: true } } : {}),
    };
}

/** What stands for the event log's keys in the validated settings. */
const SECRET_STANDIN_CREDENTIALS = { accessKeyId: "[secret]", secretAccessKey: "[secret]" };

/** Valid values of the placement arguments, for checking the rest before they resolve. */
const STAND_INS: Readonly<Record<string, unknown>> = {
    namespace: "stand-in",
    serviceAccountName: "stand-in",
    image: `stand-in@sha256:${"0".repeat(64)}`,
    app: "stand-in.py",
};

/**
 * The job's arguments, validated: at once (throwing before any child exists) for what is
 * known now, and for the rest when it resolves. Secret values are not part of them: only
 * their names are, so nothing derived from the settings becomes secret.
 */
function validSettings(name: string, args: SparkJobArgs): pulumi.Output<SparkJobSettings> {
    const { secretEnv, eventLog, ...others } = args;
    // The event log's keys are checked for presence only: their values stay out of the settings.
    const rest =
        eventLog === undefined
            ? others
            : {
                  ...others,
                  eventLog: {
                      ...eventLog,
                      credentials: eventLog.credentials && SECRET_STANDIN_CREDENTIALS,
                  },
              };
    // What is known now is checked now: YAML passes other resources' outputs as Outputs.
    const now = problemsKnownNow((known) => sparkJobProblems(name, known), rest, STAND_INS);
    if (now.length > 0) throw new InvalidArgumentsError("SparkJob", name, now);
    const names = pulumi.unsecret(
        pulumi
            .output(secretEnv)
            .apply((values) => (values === undefined ? undefined : Object.keys(values))),
    );
    return pulumi.all([pulumi.output(rest), names]).apply(([raw, secretNames]) =>
        validOrThrow(
            "SparkJob",
            name,
            sparkJobProblems(name, {
                ...raw,
                ...(secretNames !== undefined
                    ? { secretEnv: Object.fromEntries(secretNames.map((n) => [n, ""])) }
                    : {}),
            }),
        ),
    );
}
