/**
 * A job's settings: what a SparkJob runs and how, apart from where (namespace, image,
 * service account, cluster). One zod schema holds every rule and default; the SparkJob
 * component validates its arguments with it and the stack configuration's `jobs.<name>`
 * is checked against the same schema. Rules that need more than one setting, or the
 * program's own choices, are in jobChecks.ts. Pure.
 */
import * as path from "path";
import { z } from "zod";
import { recordOf } from "./records";
import { cronProblem, isKnownTimeZone } from "./cron";
import {
    DNS1123_LABEL_MAX,
    isDns1123Label,
    isDns1123Subdomain,
    isEnvName,
    isLabelValue,
    isQualifiedName,
    isSecretKey,
} from "./k8sNames";
import { parseK8sQuantity, parseSparkMemory } from "./quantities";

/** Spark refuses to start a JVM with less heap than this (450 MiB). */
const MIN_SPARK_MEMORY_MIB = 450;

/** The prefix of a job volume's name in the pod spec (`vol-<name>`). */
export const VOLUME_NAME_PREFIX = "vol-";

/** Job names prefix the names of the run's pods, which Spark limits. */
export const JOB_NAME_MAX = 30;

export const dns1123Label = (what: string, max = DNS1123_LABEL_MAX) =>
    z
        .string()
        .refine((v) => v.length <= max, `${what} must be at most ${max} characters`)
        .refine(
            (v) => v.length > max || isDns1123Label(v, max),
            `${what} must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit`,
        );

export const dns1123Subdomain = (what: string) =>
    z
        .string()
        .refine(
            isDns1123Subdomain,
            `${what} names are at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
        );

/** Spark JVM memory, e.g. `512m`, `2g`; at least 450 MiB. */
const sparkMemory = z.string().superRefine((value, ctx) => {
    const mib = parseSparkMemory(value);
    if (mib === undefined) {
        ctx.addIssue({
            code: "custom",
            message:
                "must be a Spark memory size: a whole number with an optional unit k, m, g or t (e.g. 512m, 2g)",
        });
    } else if (mib < MIN_SPARK_MEMORY_MIB) {
        ctx.addIssue({
            code: "custom",
            message: `must be at least ${MIN_SPARK_MEMORY_MIB}m: Spark refuses smaller JVM heaps`,
        });
    }
});

/** Spark memory overhead, e.g. `128m`: any size, no minimum. */
const sparkOverhead = z.string().refine((value) => parseSparkMemory(value) !== undefined, {
    message:
        "must be a Spark memory size: a whole number with an optional unit k, m, g or t (e.g. 128m)",
});

/** A Kubernetes CPU quantity, e.g. `250m`, `0.5`, `1`. */
export const cpuQuantity = z.string().refine(
    (value) => {
        const cores = parseK8sQuantity(value);
        return cores !== undefined && cores > 0;
    },
    { message: "must be a positive Kubernetes CPU quantity (e.g. 250m, 0.5, 2)" },
);

export const labelMap = recordOf(
    z.string().refine(isQualifiedName, {
        message:
            "label keys are an optional DNS subdomain prefix and '/' and a name of at most 63 characters of letters, digits, '-', '_', '.'",
    }),
    z
        .string()
        .refine(
            isLabelValue,
            "label values are at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit",
        ),
);

export const annotationKey = z.string().refine(isQualifiedName, {
    message:
        "annotation keys are an optional DNS subdomain prefix and '/' and a name of at most 63 characters of letters, digits, '-', '_', '.'",
});

const envName = z
    .string()
    .refine(
        isEnvName,
        "environment variable names are letters, digits and '_', not starting with a digit",
    );

/** A path inside the container: absolute, no `..` steps, no ':' (Kubernetes refuses both). */
const mountPath = z
    .string()
    .regex(/^\/[^\0]*$/, "must be an absolute path, e.g. /mnt/data")
    .refine((p) => !p.split("/").includes(".."), "must not contain '..' steps")
    .refine((p) => !p.includes(":"), "must not contain ':'");

/** A mount path as the container sees it: `/data/` and `//data/.` are `/data`. */
export function normalMountPath(p: string): string {
    const normal = path.posix.normalize(p);
    return normal.length > 1 ? normal.replace(/\/+$/, "") : normal;
}

/** The volume sources a job may mount. */
export const VOLUME_SOURCES = ["persistentVolumeClaim", "emptyDir", "configMap", "secret"] as const;

const volumeSchema = z
    .strictObject({
        mountPath,
        readOnly: z.boolean().default(false),
        persistentVolumeClaim: dns1123Subdomain("claim").optional(),
        emptyDir: z
            .string()
            .refine((value) => value === "" || parseK8sQuantity(value) !== undefined, {
                message: 'must be a size limit such as 1Gi, or "" for none',
            })
            .optional(),
        configMap: dns1123Subdomain("configMap").optional(),
        secret: dns1123Subdomain("secret").optional(),
    })
    .superRefine((volume, ctx) => {
        const sources = VOLUME_SOURCES.filter((source) => volume[source] !== undefined);
        if (sources.length !== 1) {
            ctx.addIssue({
                code: "custom",
                message: `must name exactly one source of ${VOLUME_SOURCES.join(", ")} (got ${sources.length === 0 ? "none" : sources.join(" and ")})`,
            });
        }
    });

const tolerationSchema = z
    .strictObject({
        key: z.string().min(1).refine(isQualifiedName, "must be a label key").optional(),
        operator: z
            .enum(["Exists", "Equal"], { error: "must be Exists or Equal" })
            .default("Equal"),
        value: z.string().optional(),
        effect: z
            .enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], {
                error: "must be NoSchedule, PreferNoSchedule or NoExecute",
            })
            .optional(),
        tolerationSeconds: z.number().int().min(0).optional(),
    })
    .superRefine((t, ctx) => {
        if (t.operator === "Exists" && t.value !== undefined && t.value !== "")
            ctx.addIssue({
                code: "custom",
                path: ["value"],
                message: "must be empty when operator is Exists",
            });
        if (t.key === undefined && t.operator !== "Exists")
            ctx.addIssue({
                code: "custom",
                path: ["operator"],
                message: "must be Exists when no key is given (a toleration of every taint)",
            });
        if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute")
            ctx.addIssue({
                code: "custom",
                path: ["tolerationSeconds"],
                message: "applies only to effect NoExecute",
            });
        if (t.value !== undefined && t.value !== "" && !isLabelValue(t.value))
            ctx.addIssue({ code: "custom", path: ["value"], message: "must be a label value" });
    });

const nodeSelectorRequirement = z
    .strictObject({
        key: z.string().min(1).refine(isQualifiedName, "must be a label key"),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"], {
            error: "must be In, NotIn, Exists, DoesNotExist, Gt or Lt",
        }),
        values: z.array(z.string()).optional(),
    })
    .superRefine((r, ctx) => {
        const values = r.values ?? [];
        if ((r.operator === "In" || r.operator === "NotIn") && values.length === 0)
            ctx.addIssue({
                code: "custom",
                path: ["values"],
                message: `must not be empty with operator ${r.operator}`,
            });
        if ((r.operator === "Exists" || r.operator === "DoesNotExist") && values.length > 0)
            ctx.addIssue({
                code: "custom",
                path: ["values"],
                message: `must be empty with operator ${r.operator}`,
            });
        if (
            (r.operator === "Gt" || r.operator === "Lt") &&
            !(values.length === 1 && /^-?[0-9]+$/.test(values[0]))
        )
            ctx.addIssue({
                code: "custom",
                path: ["values"],
                message: `must be exactly one whole number with operator ${r.operator}`,
            });
    });

const nodeSelectorTerm = z.strictObject({
    matchExpressions: z.array(nodeSelectorRequirement).optional(),
});

/** Node affinity, as in a pod spec. */
const affinitySchema = z.strictObject({
    nodeAffinity: z.strictObject({
        requiredDuringSchedulingIgnoredDuringExecution: z
            .strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1) })
            .optional(),
        preferredDuringSchedulingIgnoredDuringExecution: z
            .array(
                z.strictObject({
                    weight: z.number().int().min(1).max(100),
                    preference: nodeSelectorTerm,
                }),
            )
            .optional(),
    }),
});

const podResources = (defaults: { cores: number; memory: string }) =>
    z
        .strictObject({
            cores: z
                .number()
                .int("must be a whole number of cores")
                .min(1, "must be at least 1")
                .max(64, "must be at most 64")
                .default(defaults.cores),
            coreRequest: cpuQuantity.optional(),
            coreLimit: cpuQuantity.optional(),
            memory: sparkMemory.default(defaults.memory),
            memoryOverhead: sparkOverhead.optional(),
        })
        .superRefine((r, ctx) => {
            const request = parseK8sQuantity(r.coreRequest ?? String(r.cores));
            const limit = parseK8sQuantity(r.coreLimit ?? String(r.cores));
            if (request !== undefined && limit !== undefined && request > limit + 1e-9)
                ctx.addIssue({
                    code: "custom",
                    path: [r.coreRequest !== undefined ? "coreRequest" : "coreLimit"],
                    message: `the CPU request (${r.coreRequest ?? r.cores}) must not exceed the CPU limit (${r.coreLimit ?? r.cores}): Kubernetes refuses such a pod`,
                });
        });

/** Defaults of a job's pods. */
export const DRIVER_DEFAULTS = { cores: 1, memory: "512m" } as const;
export const EXECUTOR_DEFAULTS = { cores: 1, memory: "512m", instances: 2 } as const;
export const DYNAMIC_ALLOCATION_DEFAULTS = {
    enabled: false,
    minExecutors: 0,
    maxExecutors: 4,
} as const;

/** A scheduled job's CronJob settings. */
export const scheduleSchema = z.strictObject({
    cron: z
        .string()
        .trim()
        .superRefine((cron, ctx) => {
            const problem = cronProblem(cron);
            if (problem)
                ctx.addIssue({ code: "custom", message: `is not a valid schedule: ${problem}` });
        }),
    timeZone: z
        .string()
        .refine(isKnownTimeZone, "must be an IANA time zone that exists, e.g. Europe/Paris or UTC")
        .optional(),
    concurrencyPolicy: z
        .enum(["Forbid", "Allow", "Replace"], { error: "must be Forbid, Allow or Replace" })
        .default("Forbid"),
    successfulRunsHistoryLimit: z.number().int().min(0).max(100).default(3),
    failedRunsHistoryLimit: z.number().int().min(0).max(100).default(3),
    startingDeadlineSeconds: z.number().int().min(10).optional(),
    suspend: z.boolean().default(false),
});

/** Every setting of a job, with its rules and defaults. */
export const jobSettingsSchema = z
    .strictObject({
        app: z.string().min(1, "must name the application file, e.g. jobs/pi.py"),
        // Numbers too: YAML and other languages' programs write `args: [2, 200000]`.
        args: z.array(z.union([z.string(), z.number().transform(String)])).default([]),
        driver: podResources(DRIVER_DEFAULTS).default({ ...DRIVER_DEFAULTS }),
        executor: podResources(EXECUTOR_DEFAULTS)
            .safeExtend({
                instances: z
                    .number()
                    .int("must be a whole number")
                    .min(1, "must be at least 1")
                    .max(500, "must be at most 500")
                    .default(EXECUTOR_DEFAULTS.instances),
            })
            .default({ ...EXECUTOR_DEFAULTS }),
        dynamicAllocation: z
            .strictObject({
                enabled: z.boolean().default(DYNAMIC_ALLOCATION_DEFAULTS.enabled),
                minExecutors: z
                    .number()
                    .int("must be a whole number")
                    .min(0, "must be at least 0")
                    .default(DYNAMIC_ALLOCATION_DEFAULTS.minExecutors),
                maxExecutors: z
                    .number()
                    .int("must be a whole number")
                    .min(1, "must be at least 1")
                    .default(DYNAMIC_ALLOCATION_DEFAULTS.maxExecutors),
            })
            .default({ ...DYNAMIC_ALLOCATION_DEFAULTS }),
        labels: labelMap.default({}),
        conf: recordOf(
            z
                .string()
                .regex(
                    /^spark\.[^\s=]+$/,
                    "Spark conf keys start with 'spark.' and hold no blank or '='",
                ),
            z.string(),
        ).default({}),
        env: recordOf(envName, z.string()).default({}),
        secretKeyRefs: recordOf(
            envName,
            z.strictObject({
                secret: dns1123Subdomain("secret"),
                key: z
                    .string()
                    .refine(isSecretKey, "secret keys are letters, digits, '-', '_' and '.'"),
            }),
        ).default({}),
        secretMounts: recordOf(dns1123Subdomain("secret"), mountPath).default({}),
        volumes: recordOf(
            dns1123Label("volume name", DNS1123_LABEL_MAX - VOLUME_NAME_PREFIX.length),
            volumeSchema,
        ).default({}),
        networkPolicy: z.boolean().default(true),
        nodeSelector: labelMap.default({}),
        tolerations: z.array(tolerationSchema).default([]),
        affinity: affinitySchema.optional(),
        resultPattern: z
            .string()
            .refine(
                (pattern) => {
                    try {
                        new RegExp(pattern);
                        return true;
                    } catch {
                        return false;
                    }
                },
                { message: "must be a valid JavaScript regular expression" },
            )
            .optional(),
        startTimeoutSeconds: z
            .number()
            .int()
            .min(10, "must be at least 10")
            .max(3600, "must be at most 3600")
            .default(180),
        runTimeoutSeconds: z
            .number()
            .int()
            .min(30, "must be at least 30")
            .max(86400, "must be at most 86400")
            .default(1800),
        runId: z
            .union([z.string().min(1), z.number()])
            .transform(String)
            .default("1"),
        submitter: z
            .enum(["cluster", "local"], {
                error: "must be 'cluster' (a Kubernetes Job runs spark-submit) or 'local' (spark-submit from the deployer)",
            })
            .default("cluster"),
        retries: z
            .number()
            .int("must be a whole number")
            .min(0, "must be at least 0")
            .max(20, "must be at most 20")
            .default(0),
        schedule: z
            .preprocess(
                (value) => (typeof value === "string" ? { cron: value } : value),
                scheduleSchema,
            )
            .optional(),
    })
    .superRefine((job, ctx) => {
        if (job.submitter === "local" && job.schedule !== undefined)
            ctx.addIssue({
                code: "custom",
                path: ["schedule"],
                message: "needs submitter 'cluster': a schedule runs as a CronJob in the cluster",
            });
        if (job.submitter === "local" && job.retries > 0)
            ctx.addIssue({
                code: "custom",
                path: ["retries"],
                message: "needs submitter 'cluster': retries are the Kubernetes Job's backoffLimit",
            });
        const dyn = job.dynamicAllocation;
        if (dyn.enabled && dyn.minExecutors > dyn.maxExecutors)
            ctx.addIssue({
                code: "custom",
                path: ["dynamicAllocation", "minExecutors"],
                message: `must not exceed maxExecutors (${dyn.maxExecutors})`,
            });
        if (
            dyn.enabled &&
            (job.executor.instances < dyn.minExecutors || job.executor.instances > dyn.maxExecutors)
        )
            ctx.addIssue({
                code: "custom",
                path: ["executor", "instances"],
                message: `is the initial executor count under dynamic allocation and must lie between minExecutors (${dyn.minExecutors}) and maxExecutors (${dyn.maxExecutors})`,
            });
    });

/** A job's settings with every default filled in. */
export type JobSettings = z.output<typeof jobSettingsSchema>;
/** A job's settings as written (defaults left out). */
export type JobSettingsInput = z.input<typeof jobSettingsSchema>;
/** The resources of one Spark pod (driver or executor). */
export type PodResourceSettings = JobSettings["driver"];
/** How a scheduled job's runs are started (a CronJob's own settings). */
export type ScheduleSettings = z.output<typeof scheduleSchema>;

/** A Spark release, e.g. 4.1.1 or 3.5.7. */
export const sparkVersionSchema = z
    .string()
    .regex(/^[34]\.[0-9]+\.[0-9]+$/, "must be a Spark release such as 4.1.1 or 3.5.7");

/** The non-root user Spark images run as (uid 185 in the official and the local images). */
export const runAsUserSchema = z
    .number()
    .int("must be a whole number")
    .min(1, "must not be 0: pods run as a non-root user")
    .max(2147483647, "must be a user id below 2^31");

export const DEFAULT_RUN_AS_USER = 185;
export const DEFAULT_API_RETRY_SECONDS = 120;

/** How long the runner rides out an unreachable API. */
export const apiRetrySecondsSchema = z
    .number()
    .int()
    .min(5, "must be at least 5")
    .max(3600, "must be at most 3600");

/** `k8s://https://host:port`. */
export const sparkMasterSchema = z
    .string()
    .regex(
        /^k8s:\/\/https?:\/\/[^/:\s]+:[0-9]{1,5}\/?$/,
        "must be k8s://https://<host>:<port> (the port is required)",
    );

/** Names a job may have: a DNS-1123 label of at most 30 characters. */
export const jobNameSchema = dns1123Label("job name", JOB_NAME_MAX);

export { envName as envNameSchema, mountPath as mountPathSchema };
