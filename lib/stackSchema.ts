/**
 * The stack configuration's keys: every key a stack can set under the project's config
 * namespace (`pyspark-k8s:<key>`). The values that become a component's arguments
 * (`image`, `rbac`, `namespace`, `jobs.<name>`) are checked by that component's own
 * rules (see stackValidation.ts); this schema holds the structure and the settings of the
 * stack itself (cluster access, capacity, which job's result to export).
 */
import {
    apiRetrySecondsSchema,
    cpuQuantity,
    credentialsSchema,
    eventLogDirSchema,
    eventLogSchema,
    logStoreDirSchema,
    metricsSchema,
    objectStoreSchema,
    parseK8sQuantity,
    recordOf,
    sparkHistoryServerArgsSchema,
    sparkLogKeeperArgsSchema,
    sparkMasterSchema,
} from "@pyspark-k8s/pulumi";
import { z } from "zod";

/** The Pulumi project name, which is also the config namespace. */
export const CONFIG_NAMESPACE = "pyspark-k8s";

/** A value checked by a component's own rules, not here. */
const componentValue = z.unknown();

/** Schedulable capacity, to check that every pod of a job fits at once. */
export const capacitySchema = z.strictObject({
    cpu: cpuQuantity,
    memory: z.string().refine((value) => parseK8sQuantity(value) !== undefined, {
        message: "must be a Kubernetes memory quantity, e.g. 1814Mi",
    }),
});

/**
 * What the stack's runs show of themselves: every run's event log, the History Server
 * over them, every pod's log kept in the store, the drivers' metrics. One store for all.
 */
export const observabilitySchema = z
    .strictObject({
        store: objectStoreSchema.prefault({}),
        eventLog: z
            .strictObject({
                dir: eventLogDirSchema,
                credentialsProvider: eventLogSchema.shape.credentialsProvider,
            })
            .optional(),
        historyServer: sparkHistoryServerArgsSchema
            .pick({
                memory: true,
                coreRequest: true,
                coreLimit: true,
                updateIntervalSeconds: true,
                readyTimeoutSeconds: true,
            })
            .safeExtend({ enabled: z.boolean().default(true) })
            .prefault({}),
        podLogs: z
            .strictObject({
                dir: logStoreDirSchema,
                retentionDays: sparkLogKeeperArgsSchema.shape.retentionDays,
                readyTimeoutSeconds: sparkLogKeeperArgsSchema.shape.readyTimeoutSeconds,
            })
            .optional(),
        metrics: metricsSchema.prefault({}),
        /** Annotations of the History Server's and the log keeper's ServiceAccounts (cloud identity). */
        serviceAccountAnnotations: sparkLogKeeperArgsSchema.shape.serviceAccountAnnotations,
    })
    .superRefine((o, ctx) => {
        if (o.metrics.podMonitor && !o.metrics.prometheus)
            ctx.addIssue({
                code: "custom",
                path: ["metrics", "podMonitor"],
                message: "needs metrics.prometheus: the PodMonitor scrapes the endpoints it opens",
            });
    });
export type ObservabilitySettings = z.output<typeof observabilitySchema>;

/**
 * The store's keys, a secret (`storeKeys.accessKeyId`, `.secretAccessKey`): the runs' event
 * logs and the log keeper write with them; the History Server reads with `readOnly` if set.
 */
export const storeKeysSchema = credentialsSchema.safeExtend({
    readOnly: credentialsSchema.optional(),
});

export const stackSchema = z.strictObject({
    cluster: z
        .strictObject({
            kubeconfig: z.string().min(1).optional(),
            context: z.string().min(1).optional(),
            master: sparkMasterSchema.optional(),
            apiRetrySeconds: apiRetrySecondsSchema.default(120),
            capacity: capacitySchema.optional(),
        })
        .prefault({}),
    namespace: componentValue.default("spark-jobs"),
    createNamespace: componentValue.optional(),
    rbac: z
        .strictObject({
            serviceAccountName: componentValue.optional(),
            binding: componentValue.optional(),
            serviceAccountAnnotations: componentValue.optional(),
            serviceAccountLabels: componentValue.optional(),
        })
        .prefault({}),
    image: recordOf(z.string(), z.unknown()),
    registryUsername: componentValue.optional(),
    registryPassword: componentValue.optional(),
    /**
     * Secret environment variables per job, `secretEnv.<job>.<VAR>`, set with `pulumi config
     * set --secret --path`. A top-level key of their own: Pulumi marks the whole top-level
     * value secret when one path under it is, and `jobs` stays plain.
     */
    secretEnv: recordOf(z.string(), recordOf(z.string(), z.string())).default({}),
    /** The job whose result line is the stack output `result`. */
    resultJob: z.string().min(1).optional(),
    jobs: recordOf(z.string(), z.unknown()).refine((jobs) => Object.keys(jobs).length > 0, {
        message: "must declare at least one job",
    }),
    observability: observabilitySchema.optional(),
    /** The store keys of `observability`, set with `pulumi config set --secret --path`. */
    storeKeys: storeKeysSchema.optional(),
});

/** Keys whose values are secrets: never echoed in error messages. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
    "registryPassword",
    "secretEnv",
    "storeKeys",
]);

/** Every top-level key a stack may set under the project namespace. */
export const KNOWN_KEYS: readonly string[] = Object.keys(stackSchema.shape);
