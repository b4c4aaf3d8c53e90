/**
 * The in-cluster run of a job: a `batch/v1` Job (or, for a scheduled job, a CronJob)
 * whose one pod runs `spark-submit --deploy-mode client` in the job's own image. That
 * pod is the Spark driver: Spark creates the executors with ownerReferences to it, so
 * deleting the Job removes every pod of the run.
 *
 * Pure: the job's run spec in, plain Kubernetes objects out. The SparkJob component
 * hands them to `@pulumi/kubernetes`, so previews show field-level diffs of what runs.
 */
import { createHash } from "crypto";
import type { PodResourceSettings, ScheduleSettings } from "./jobSettings";
import { cpuLimit, podMemoryMiB } from "./podSize";
import { driverCommand } from "./driverCommand";
import { DRIVER_CONTAINER } from "./driverState";
import { LOST_API_EXIT_CODE } from "./runState";
import { RunSpec, jobObjectLabels } from "./runSpec";
import {
    EXECUTOR_TEMPLATE_FILE,
    POD_TEMPLATE_DIR,
    containerSecurityContext,
    driverAnnotations,
    eventLogEnvVars,
    executorPodTemplate,
    podTemplateYaml,
    jobVolumes,
    podPlacement,
    podSecurityContext,
    secretEnvVars,
} from "./podTemplate";
import { METRICS_PORT, METRICS_PORT_NAME } from "./observability";
import { ConfEntry, runLabels, userConf, workloadConf } from "./submit";

/** The API server as pods see it. */
export const IN_CLUSTER_MASTER = "k8s://https://kubernetes.default.svc:443";

/** Label Kubernetes puts on a Job's pods; selects the driver pods of one run. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/** Container env vars the downward API fills in; spark-submit's args refer to them. */
export const POD_ENV = [
    { name: "PSK_POD_NAME", fieldRef: { fieldPath: "metadata.name" } },
    { name: "PSK_POD_IP", fieldRef: { fieldPath: "status.podIP" } },
] as const;

/** The volume of the run's pod templates in the driver. */
const POD_TEMPLATES_VOLUME = "pod-templates";

/**
 * Settings that do not change what a run computes, so a change to them re-runs nothing;
 * everything else in a run's spec names the run ({@link runName}).
 */
export const NOT_RERUNNING: Readonly<Record<string, string>> = {
    cluster: "how the deployer reaches the cluster, not what runs in it",
    startTimeoutSeconds: "how long the deployer waits for the driver to start",
    runTimeoutSeconds: "a bound on the run, kept in the Job's spec, not a different run",
    retries: "how often a failed run is retried, not what it runs",
    resultPattern: "how the result line is read from the log",
    sparkVersion:
        "a declaration checked by the local submitter; the image digest names the Spark that runs",
    schedule: "when a scheduled job runs; the CronJob keeps its name across schedule changes",
    submitter: "who starts the run; a change replaces the run's resources anyway",
    networkPolicy: "an object kept beside the runs, not part of them",
};

/**
 * The run's name: the job's name and a hash of its spec less {@link NOT_RERUNNING}, so
 * that the same inputs always name the same Job (a create retried after an interrupt
 * finds it) and any change to them names a new one. At most 39 characters, a DNS-1123
 * label.
 */
export function runName(spec: RunSpec): string {
    const hashed = Object.fromEntries(
        Object.entries(spec).filter(
            ([key]) => !Object.prototype.hasOwnProperty.call(NOT_RERUNNING, key),
        ),
    );
    const hash = createHash("sha256").update(stableJson(hashed)).digest("hex");
    return `${spec.job}-${BigInt(`0x${hash.slice(0, 12)}`)
        .toString(36)
        .padStart(8, "0")
        .slice(0, 8)}`;
}

/** JSON with object keys sorted at every level: equal values, equal text. */
export function stableJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

/**
 * The `--conf` settings the program makes for a run inside the driver pod. `$(PSK_POD_…)`
 * is expanded by the kubelet from the container's env: the executors are named after,
 * owned by and connect back to this very pod.
 */
export function inClusterConf(spec: RunSpec, run: string): ConfEntry[] {
    return [
        ["spark.kubernetes.namespace", spec.namespace],
        ["spark.kubernetes.container.image", spec.image],
        ["spark.kubernetes.container.image.pullPolicy", "IfNotPresent"],
        ["spark.kubernetes.authenticate.driver.serviceAccountName", spec.serviceAccountName],
        ["spark.kubernetes.driver.pod.name", "$(PSK_POD_NAME)"],
        ["spark.driver.host", "$(PSK_POD_IP)"],
        // No spark.driver.bindAddress: the driver binds to its pod IP (Spark 4 advertises
        // the bind address to the executors, so 0.0.0.0 would leave them unable to connect).
        // Per attempt (pod), so a retry never collides with a previous attempt's executors.
        ["spark.kubernetes.executor.podNamePrefix", "$(PSK_POD_NAME)"],
        [
            "spark.kubernetes.executor.podTemplateFile",
            `${POD_TEMPLATE_DIR}/${EXECUTOR_TEMPLATE_FILE}`,
        ],
        ...workloadConf(spec, run),
    ];
}

/** spark-submit's arguments inside the driver pod: the program's conf, then the job's own. */
export function inClusterSubmitArgs(spec: RunSpec, run: string): string[] {
    const args = ["--master", IN_CLUSTER_MASTER, "--deploy-mode", "client", "--name", spec.job];
    for (const [key, value] of [...inClusterConf(spec, run), ...userConf(spec)])
        args.push("--conf", `${key}=${value}`);
    return [...args, spec.app, ...spec.args];
}

/** Kubernetes resources of a Spark pod: heap plus overhead, as Spark itself sizes them. */
export function podResources(
    r: PodResourceSettings,
    app: string,
): {
    requests: Record<string, string>;
    limits: Record<string, string>;
} {
    const memory = `${podMemoryMiB(r, app)}Mi`;
    return {
        requests: { cpu: r.coreRequest ?? String(r.cores), memory },
        limits: { memory, cpu: cpuLimit(r) },
    };
}

/** Every label of the run's driver pod. */
export function driverLabels(spec: RunSpec, run: string): Record<string, string> {
    return { ...runLabels(spec, run), "spark-role": "driver" };
}

/** The ConfigMap holding the executors' pod template, named after the run. */
export function podTemplatesName(run: string): string {
    return `${run}-pod-templates`;
}

/** The run's pod templates for Spark, as the ConfigMap's data. */
export function podTemplatesData(spec: RunSpec): Record<string, string> {
    return { [EXECUTOR_TEMPLATE_FILE]: podTemplateYaml(executorPodTemplate(spec)) };
}

/** The ConfigMap of the run's pod templates. */
export function podTemplatesManifest(spec: RunSpec) {
    const run = runName(spec);
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
            name: podTemplatesName(run),
            namespace: spec.namespace,
            labels: jobObjectLabels(spec),
        },
        data: podTemplatesData(spec),
    };
}

/** The pod template of the run: the driver, as the job's ServiceAccount. */
export function driverPodTemplate(spec: RunSpec, run: string) {
    const { volumes, mounts } = jobVolumes(spec);
    const annotations = driverAnnotations(spec);
    return {
        metadata: {
            labels: driverLabels(spec, run),
            ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        spec: {
            serviceAccountName: spec.serviceAccountName,
            // The driver creates, watches and deletes its executors through the API.
            automountServiceAccountToken: true,
            restartPolicy: "Never",
            securityContext: podSecurityContext(spec.runAsUser),
            ...podPlacement(spec),
            volumes: [
                ...volumes,
                { name: POD_TEMPLATES_VOLUME, configMap: { name: podTemplatesName(run) } },
            ],
            containers: [
                {
                    name: DRIVER_CONTAINER,
                    image: spec.image,
                    imagePullPolicy: "IfNotPresent",
                    // The image's entrypoint passes a command through (official and local images).
                    args: driverCommand(inClusterSubmitArgs(spec, run)),
                    env: [
                        ...POD_ENV.map(({ name, fieldRef }) => ({ name, valueFrom: { fieldRef } })),
                        ...Object.entries(spec.env)
                            .sort(([a], [b]) => (a < b ? -1 : 1))
                            .map(([name, value]) => ({ name, value })),
                        ...secretEnvVars(spec),
                        ...eventLogEnvVars(spec),
                    ],
                    ...(spec.metrics?.prometheus
                        ? { ports: [{ name: METRICS_PORT_NAME, containerPort: METRICS_PORT }] }
                        : {}),
                    resources: podResources(spec.driver, spec.app),
                    securityContext: containerSecurityContext(),
                    volumeMounts: [
                        ...mounts,
                        { name: POD_TEMPLATES_VOLUME, mountPath: POD_TEMPLATE_DIR, readOnly: true },
                    ],
                },
            ],
        },
    };
}

/**
 * The Job's spec. `runTimeoutSeconds` bounds the whole run, retries included; `retries`
 * failed attempts of the application are retried (Kubernetes' own backoff: 10 s, 20 s,
 * 40 s, ...), while a pod lost to the infrastructure (eviction, preemption, node loss:
 * condition DisruptionTarget) is replaced without counting as an attempt.
 */
export function batchJobSpec(spec: RunSpec, run: string) {
    return {
        backoffLimit: spec.retries,
        activeDeadlineSeconds: spec.runTimeoutSeconds,
        // A new attempt starts only when the previous pod is gone (its executors with it).
        podReplacementPolicy: "Failed",
        podFailurePolicy: {
            rules: [
                {
                    action: "Ignore",
                    onPodConditions: [{ type: "DisruptionTarget", status: "True" }],
                },
                {
                    // A driver that lost the Kubernetes API (see driverCommand.ts).
                    action: "Ignore",
                    onExitCodes: {
                        containerName: DRIVER_CONTAINER,
                        operator: "In",
                        values: [LOST_API_EXIT_CODE],
                    },
                },
            ],
        },
        template: driverPodTemplate(spec, run),
    };
}

/** The run's Job, named by {@link runName}. */
export function jobManifest(spec: RunSpec) {
    const run = runName(spec);
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: run, namespace: spec.namespace, labels: runLabels(spec, run) },
        spec: batchJobSpec(spec, run),
    };
}

/** A scheduled job: a CronJob whose Jobs are the same as an unscheduled run's. */
export function cronJobManifest(spec: RunSpec, schedule: ScheduleSettings) {
    const run = runName(spec);
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: run, namespace: spec.namespace, labels: runLabels(spec, run) },
        spec: {
            schedule: schedule.cron,
            ...(schedule.timeZone ? { timeZone: schedule.timeZone } : {}),
            concurrencyPolicy: schedule.concurrencyPolicy,
            successfulJobsHistoryLimit: schedule.successfulRunsHistoryLimit,
            failedJobsHistoryLimit: schedule.failedRunsHistoryLimit,
            ...(schedule.startingDeadlineSeconds !== undefined
                ? { startingDeadlineSeconds: schedule.startingDeadlineSeconds }
                : {}),
            suspend: schedule.suspend,
            jobTemplate: {
                metadata: { labels: runLabels(spec, run) },
                spec: batchJobSpec(spec, run),
            },
        },
    };
}
