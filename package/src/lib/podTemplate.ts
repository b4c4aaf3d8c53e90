/**
 * What every Spark pod of a run shares, whoever creates it (the run's Job for the driver,
 * Spark for the executors, spark-submit for a `local` submitter's driver): Pod Security
 * `restricted` settings, the job's volumes, secret variables and placement. Pure.
 *
 * Spark creates the executors itself, from a pod template file: {@link executorPodTemplate}
 * is that file's content.
 */
import * as yaml from "js-yaml";
import { VOLUME_NAME_PREFIX } from "./jobSettings";
import { labelFrom } from "./k8sNames";
import { CREDENTIAL_KEYS, EVENT_LOG_ENV, METRICS_PORT, metricsAnnotations } from "./observability";
import type { RunSpec } from "./runSpec";

/** Where the run's Job mounts the pod templates Spark reads (a ConfigMap). */
export const POD_TEMPLATE_DIR = "/opt/spark/pod-templates";
export const EXECUTOR_TEMPLATE_FILE = "executor.yaml";
export const DRIVER_TEMPLATE_FILE = "driver.yaml";

/** Spark's default container names; a template's first container becomes that container. */
const EXECUTOR_CONTAINER = "spark-kubernetes-executor";
const DRIVER_CONTAINER = "spark-kubernetes-driver";

/** Writable scratch space: the root filesystem is read-only. */
const TMP_VOLUME = "tmp";
const TMP_PATH = "/tmp";

/**
 * Paths that are mounted in a job's pods whatever the job says: the program's scratch
 * space and pod templates, and what Spark itself mounts (its conf and the executors' pod
 * template in a driver, Hadoop's conf, Kerberos' keytab). A job's volume may not be
 * mounted there, or below.
 */
export const RESERVED_MOUNT_PATHS: readonly string[] = [
    TMP_PATH,
    POD_TEMPLATE_DIR,
    "/opt/spark/conf",
    "/opt/spark/pod-template",
    "/opt/hadoop/conf",
    "/mnt/secrets/kerberos-keytab",
];

/** The pod-level part of Pod Security `restricted`: a non-root user and the runtime's seccomp. */
export function podSecurityContext(runAsUser: number) {
    return {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup: runAsUser,
        fsGroup: runAsUser,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** The container-level part: no privilege escalation, no capabilities, a read-only root. */
export function containerSecurityContext() {
    return {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
    };
}

export interface Volume {
    name: string;
    [source: string]: unknown;
}

export interface VolumeMount {
    name: string;
    mountPath: string;
    readOnly?: boolean;
}

/** The pod's volumes and the container's mounts: /tmp, the job's volumes, its secret files. */
export function jobVolumes(spec: RunSpec): { volumes: Volume[]; mounts: VolumeMount[] } {
    const volumes: Volume[] = [{ name: TMP_VOLUME, emptyDir: {} }];
    const mounts: VolumeMount[] = [{ name: TMP_VOLUME, mountPath: TMP_PATH }];
    for (const [name, v] of sorted(spec.volumes)) {
        const volumeName = `${VOLUME_NAME_PREFIX}${name}`;
        if (v.persistentVolumeClaim !== undefined)
            volumes.push({
                name: volumeName,
                persistentVolumeClaim: { claimName: v.persistentVolumeClaim, readOnly: v.readOnly },
            });
        else if (v.emptyDir !== undefined)
            volumes.push({
                name: volumeName,
                emptyDir: v.emptyDir === "" ? {} : { sizeLimit: v.emptyDir },
            });
        else if (v.configMap !== undefined)
            volumes.push({ name: volumeName, configMap: { name: v.configMap } });
        else if (v.secret !== undefined)
            volumes.push({ name: volumeName, secret: { secretName: v.secret } });
        const readOnly = v.readOnly || v.secret !== undefined || v.configMap !== undefined;
        mounts.push({
            name: volumeName,
            mountPath: v.mountPath,
            ...(readOnly ? { readOnly } : {}),
        });
    }
    for (const [secret, mountPath] of sorted(spec.secretMounts)) {
        // Secret names may hold dots, volume names may not.
        const volumeName = labelFrom("secret-", secret);
        volumes.push({ name: volumeName, secret: { secretName: secret } });
        mounts.push({ name: volumeName, mountPath, readOnly: true });
    }
    return { volumes, mounts };
}

/** Environment variables read from Secrets: the job's own (secretEnv) and existing ones. */
export function secretEnvVars(spec: RunSpec) {
    const vars: { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[] = [];
    if (spec.secretEnv) {
        for (const name of [...spec.secretEnv.names].sort())
            vars.push({
                name,
                valueFrom: { secretKeyRef: { name: spec.secretEnv.secret, key: name } },
            });
    }
    for (const [name, ref] of sorted(spec.secretKeyRefs))
        vars.push({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } });
    return vars;
}

/** The driver's variables of the event-log keys, read from their Secret (none without keys). */
export function eventLogEnvVars(spec: Pick<RunSpec, "eventLog">) {
    const secret = spec.eventLog?.secret;
    if (secret === undefined) return [];
    return (["accessKeyId", "secretAccessKey"] as const).map((key) => ({
        name: EVENT_LOG_ENV[key],
        valueFrom: { secretKeyRef: { name: secret, key: CREDENTIAL_KEYS[key] } },
    }));
}

/** The driver pod's annotations: Prometheus' scrape annotations when it exposes metrics. */
export function driverAnnotations(spec: Pick<RunSpec, "metrics">): Record<string, string> {
    return spec.metrics?.prometheus ? metricsAnnotations() : {};
}

/** nodeSelector, tolerations and affinity, each only when the job sets it. */
export function podPlacement(spec: RunSpec) {
    return {
        ...(Object.keys(spec.nodeSelector).length > 0 ? { nodeSelector: spec.nodeSelector } : {}),
        ...(spec.tolerations.length > 0 ? { tolerations: spec.tolerations } : {}),
        ...(spec.affinity !== undefined ? { affinity: spec.affinity } : {}),
    };
}

/**
 * The NetworkPolicy of a job: its pods admit traffic from its own pods only, and, when
 * the drivers expose metrics, on the metrics port from anywhere (the scraper may run
 * anywhere, in-cluster or not; the port serves the read-only UI, job killing is off).
 */
export function jobNetworkPolicy(selector: Record<string, string>, metricsPort = false) {
    return {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress"],
        ingress: [
            { from: [{ podSelector: { matchLabels: selector } }] },
            ...(metricsPort ? [{ ports: [{ port: METRICS_PORT, protocol: "TCP" }] }] : []),
        ],
    };
}

/** A pod template for Spark: the shared settings on one container Spark fills in. */
function sparkPodTemplate(spec: RunSpec, container: string, isDriver: boolean) {
    const { volumes, mounts } = jobVolumes(spec);
    const env = [...secretEnvVars(spec), ...(isDriver ? eventLogEnvVars(spec) : [])];
    const annotations = isDriver ? driverAnnotations(spec) : {};
    return {
        apiVersion: "v1",
        kind: "Pod",
        ...(Object.keys(annotations).length > 0 ? { metadata: { annotations } } : {}),
        spec: {
            // Only a driver calls the Kubernetes API (it creates and watches its executors).
            automountServiceAccountToken: isDriver,
            securityContext: podSecurityContext(spec.runAsUser),
            ...podPlacement(spec),
            volumes,
            containers: [
                {
                    name: container,
                    securityContext: containerSecurityContext(),
                    volumeMounts: mounts,
                    ...(env.length > 0 ? { env } : {}),
                },
            ],
        },
    };
}

/** The executors' pod template (`spark.kubernetes.executor.podTemplateFile`). */
export function executorPodTemplate(spec: RunSpec) {
    return sparkPodTemplate(spec, EXECUTOR_CONTAINER, false);
}

/** The driver's pod template, for a driver spark-submit creates (submitter `local`). */
export function localDriverPodTemplate(spec: RunSpec) {
    return sparkPodTemplate(spec, DRIVER_CONTAINER, true);
}

function sorted<T>(record: Readonly<Record<string, T>>): [string, T][] {
    return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A pod template as the file Spark reads. */
export function podTemplateYaml(template: object): string {
    return yaml.dump(template, { noRefs: true });
}
