/**
 * The job-run specification: everything the job runner needs for one job, as plain
 * JSON. The SparkJob component builds it from the stack config and passes it to the
 * runner through the environment; a change to it is what re-runs the job.
 */
import type { JobConfig } from "./config";

/** Cluster access for spark-submit and for the runner's own watch of the driver. */
export interface ClusterAccess {
    /** Kubeconfig path (`~` is expanded at run time); default $KUBECONFIG or ~/.kube/config. */
    readonly kubeconfig?: string;
    /** Kubeconfig context; default the current one. */
    readonly context?: string;
    /** Explicit Spark master; default derived from the kubeconfig at run time. */
    readonly master?: string;
}

/** One job run, fully resolved. */
export interface JobRunSpec {
    readonly project: string;
    readonly stack: string;
    readonly job: string;
    readonly namespace: string;
    readonly serviceAccountName: string;
    /** Container image, pinned by digest. */
    readonly image: string;
    /** Application URI, e.g. `local:///opt/spark/work-dir/app/jobs/pi.py`. */
    readonly app: string;
    readonly args: readonly string[];
    readonly driver: JobConfig["driver"];
    readonly executor: JobConfig["executor"];
    readonly dynamicAllocation: JobConfig["dynamicAllocation"];
    readonly labels: Readonly<Record<string, string>>;
    readonly conf: Readonly<Record<string, string>>;
    readonly env: Readonly<Record<string, string>>;
    /** The job's own Secret of secret variables, and their names (never their values). */
    readonly secretEnv?: SecretEnvRef;
    readonly secretKeyRefs: JobConfig["secretKeyRefs"];
    readonly secretMounts: JobConfig["secretMounts"];
    readonly volumes: JobConfig["volumes"];
    readonly nodeSelector: JobConfig["nodeSelector"];
    readonly tolerations: JobConfig["tolerations"];
    readonly affinity?: JobConfig["affinity"];
    /** The image's non-root user; every pod runs as it. */
    readonly runAsUser: number;
    readonly resultPattern?: string;
    readonly startTimeoutSeconds: number;
    readonly runTimeoutSeconds: number;
    readonly runId: string;
    /** Failed attempts retried before the run fails (cluster submitter). */
    readonly retries: number;
    /** The Spark version the image declares; the local submitter checks its spark-submit against it. */
    readonly sparkVersion?: string;
    readonly cluster: ClusterAccess;
}

/** A job's Secret of secret environment variables: its name and its keys. */
export interface SecretEnvRef {
    readonly secret: string;
    readonly names: readonly string[];
}

/** Where and as whom a job runs: decided by the stack, not by the job's own settings. */
export interface RunPlacement {
    readonly project: string;
    readonly stack: string;
    readonly namespace: string;
    readonly serviceAccountName: string;
    /** Container image, pinned by digest. */
    readonly image: string;
    readonly sparkVersion?: string;
    readonly runAsUser: number;
    /** The job's Secret of secret variables, if the stack gives it any. */
    readonly secretEnv?: SecretEnvRef;
    readonly cluster: ClusterAccess;
}

/** The run spec of one job: its settings from the stack config, placed. */
export function runSpec(job: string, settings: JobConfig, placement: RunPlacement): JobRunSpec {
    return {
        project: placement.project,
        stack: placement.stack,
        job,
        namespace: placement.namespace,
        serviceAccountName: placement.serviceAccountName,
        image: placement.image,
        app: appUri(settings.app),
        args: settings.args,
        driver: settings.driver,
        executor: settings.executor,
        dynamicAllocation: settings.dynamicAllocation,
        labels: settings.labels,
        conf: settings.conf,
        env: settings.env,
        ...(placement.secretEnv !== undefined ? { secretEnv: placement.secretEnv } : {}),
        secretKeyRefs: settings.secretKeyRefs,
        secretMounts: settings.secretMounts,
        volumes: settings.volumes,
        nodeSelector: settings.nodeSelector,
        tolerations: settings.tolerations,
        ...(settings.affinity !== undefined ? { affinity: settings.affinity } : {}),
        runAsUser: placement.runAsUser,
        resultPattern: settings.resultPattern,
        startTimeoutSeconds: settings.startTimeoutSeconds,
        runTimeoutSeconds: settings.runTimeoutSeconds,
        runId: settings.runId,
        retries: settings.retries,
        ...(placement.sparkVersion !== undefined ? { sparkVersion: placement.sparkVersion } : {}),
        cluster: placement.cluster,
    };
}

/** Where the app directory sits inside the job image (see app/Dockerfile). */
export const IMAGE_APP_DIR = "/opt/spark/work-dir/app";

/** Label keys the program puts on every pod a run creates. */
export const LABELS = {
    managedBy: "app.kubernetes.io/managed-by",
    project: "pyspark-k8s/project",
    stack: "pyspark-k8s/stack",
    job: "pyspark-k8s/job",
    run: "pyspark-k8s/run",
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

/** Labels selecting every pod of one job of one stack (all runs). */
export function jobSelector(
    spec: Pick<JobRunSpec, "project" | "stack" | "job">,
): Record<string, string> {
    return {
        [LABELS.project]: labelValue(spec.project),
        [LABELS.stack]: labelValue(spec.stack),
        [LABELS.job]: labelValue(spec.job),
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
export function jobObjectLabels(
    spec: Pick<JobRunSpec, "project" | "stack" | "job">,
): Record<string, string> {
    return {
        [LABELS.managedBy]: "pulumi",
        [LABELS.project]: labelValue(spec.project),
        [LABELS.stack]: labelValue(spec.stack),
        [LABELS.forJob]: labelValue(spec.job),
    };
}
