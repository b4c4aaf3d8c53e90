/**
 * A run's specification: a job's settings placed in a stack (namespace, image, service
 * account, cluster), with everything resolved. The SparkJob component builds it; the
 * Kubernetes objects of a run (jobPod.ts), spark-submit's arguments (submit.ts) and the
 * runner's `run` request are made from it. Pure.
 */
import { z } from "zod";
import {
    JobSettings,
    jobSettingsSchema,
    runAsUserSchema,
    sparkMasterSchema,
    sparkVersionSchema,
} from "./jobSettings";
import { eventLogSchema, metricsSchema } from "./observability";

/** Cluster access for spark-submit and for the runner's own calls. */
export const clusterAccessSchema = z.strictObject({
    /** Kubeconfig path (`~` is expanded at run time); default $KUBECONFIG or ~/.kube/config. */
    kubeconfig: z.string().min(1).optional(),
    /** Kubeconfig context; default the kubeconfig's current one. */
    context: z.string().min(1).optional(),
    /** Spark master `k8s://https://host:port`; default derived from the kubeconfig. */
    master: sparkMasterSchema.optional(),
});
export type ClusterAccess = z.output<typeof clusterAccessSchema>;

/** A job's Secret of secret environment variables: its name and its keys (never values). */
export const secretEnvRefSchema = z.strictObject({
    secret: z.string().min(1),
    names: z.array(z.string()),
});
export type SecretEnvRef = z.output<typeof secretEnvRefSchema>;

/** Where and as whom a job runs: decided by the stack, not by the job's own settings. */
export const runPlacementSchema = z.strictObject({
    project: z.string(),
    stack: z.string(),
    /** The job's name (the SparkJob's resource name). */
    job: z.string(),
    namespace: z.string(),
    serviceAccountName: z.string(),
    /** Container image, pinned by digest. */
    image: z.string(),
    runAsUser: runAsUserSchema,
    sparkVersion: sparkVersionSchema.optional(),
    secretEnv: secretEnvRefSchema.optional(),
    cluster: clusterAccessSchema,
    /** Where the runs write their event logs, and the Secret of the keys, if any. */
    eventLog: eventLogSchema.safeExtend({ secret: z.string().min(1).optional() }).optional(),
    /** What the drivers expose to Prometheus. */
    metrics: metricsSchema.pick({ prometheus: true }).optional(),
});
export type RunPlacement = z.output<typeof runPlacementSchema>;

/** One job's run, fully resolved: settings (the app as a URI) and placement. */
export const runSpecSchema = jobSettingsSchema.safeExtend(runPlacementSchema.shape);
export type RunSpec = z.output<typeof runSpecSchema>;

/** Where the app directory sits inside the job image (see app/Dockerfile). */
export const IMAGE_APP_DIR = "/opt/spark/work-dir/app";

/** The run spec of one job: its settings, placed. */
export function runSpec(settings: JobSettings, placement: RunPlacement): RunSpec {
    return { ...settings, ...placement, app: appUri(settings.app) };
}

/** Label keys the program puts on every pod a run creates and on the objects it keeps. */
export const LABELS = {
    managedBy: "app.kubernetes.io/managed-by",
    project: "pyspark-k8s/project",
    stack: "pyspark-k8s/stack",
    job: "pyspark-k8s/job",
    /** The run's name: its Kubernetes Job's (submitter cluster) or `<job>-<tag>` (local). */
    run: "pyspark-k8s/run",
    /** On the objects kept for a job (not its pods): its Secret, pod templates, NetworkPolicy. */
    forJob: "pyspark-k8s/for-job",
} as const;

/** Resolves a job's `app` setting to the URI spark-submit takes. */
export function appUri(app: string): string {
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(app)) return app;
    if (app.startsWith("/")) return `local://${app}`;
    return `local://${IMAGE_APP_DIR}/${app.replace(/^\.\//, "")}`;
}

/** Makes a Kubernetes label value out of any string (stack names may contain '/' etc.). */
export function labelValue(value: string): string {
    const cleaned = value.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63);
    return cleaned.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
}

/** Project, stack and job: what a job's labels are made of. */
export type JobOwner = Pick<RunPlacement, "project" | "stack" | "job">;

/** Labels selecting every pod of one job of one stack (all runs). */
export function jobSelector(owner: JobOwner): Record<string, string> {
    return {
        [LABELS.project]: labelValue(owner.project),
        [LABELS.stack]: labelValue(owner.stack),
        [LABELS.job]: labelValue(owner.job),
    };
}

/** The name of a job's Secret of secret environment variables. */
export function secretEnvName(job: string): string {
    return `${job}-secret-env`;
}

/**
 * Labels of the objects the stack keeps for a job (its Secret, its runs' pod templates, its
 * NetworkPolicy). Not the job's pod selector ({@link jobSelector}): run clean-ups delete
 * what matches that, and these objects outlive every run.
 */
export function jobObjectLabels(owner: JobOwner): Record<string, string> {
    return {
        [LABELS.managedBy]: "pulumi",
        [LABELS.project]: labelValue(owner.project),
        [LABELS.stack]: labelValue(owner.stack),
        [LABELS.forJob]: labelValue(owner.job),
    };
}
