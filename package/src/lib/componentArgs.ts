/**
 * The rules of each component's arguments, as zod schemas with their defaults, and the
 * validation every component runs before it creates anything: all problems at once, each
 * with the argument, the value and what is allowed. Pure.
 */
import { z } from "zod";
import { recordOf } from "./records";
import { jobSettingsCrossProblems } from "./jobChecks";
import {
    DEFAULT_API_RETRY_SECONDS,
    DEFAULT_RUN_AS_USER,
    annotationKey,
    apiRetrySecondsSchema,
    cpuQuantity,
    dns1123Label,
    dns1123Subdomain,
    envNameSchema,
    jobNameSchema,
    jobSettingsSchema,
    labelMap,
    runAsUserSchema,
    sparkVersionSchema,
} from "./jobSettings";
import { ArgPath, InvalidArgumentsError, Problem, schemaProblems } from "./problems";
import { clusterAccessSchema } from "./runSpec";
import {
    eventLogDirSchema,
    eventLogSchema,
    logStoreDirSchema,
    metricsSchema,
    objectStoreSchema,
    observabilityConfProblems,
} from "./observability";

/** A container image reference pinned by digest: `name@sha256:<64 hex>`. */
const DIGEST_REF = /^[^\s@]+@sha256:[a-f0-9]{64}$/;
export const digestRefSchema = z
    .string()
    .regex(
        DIGEST_REF,
        "must be pinned by digest: <name>@sha256:<64 hex digits>, so that a new image re-runs the jobs",
    );

// ---------------------------------------------------------------- shared by several

/** A store's access key pair (secret values: never echoed in a problem). */
export const credentialsSchema = z.strictObject({
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
});

/** An http(s) URL a person opens. */
export const httpUrlSchema = z
    .string()
    .regex(/^https?:\/\/[^\s]+$/, "must be an http(s) URL, e.g. http://10.96.0.20:18080");

/** Arguments whose values are secrets: their problems never show the value. */
const isCredentialsPath = (path: ArgPath) => path.includes("credentials") && path.length > 1;

// ---------------------------------------------------------------- SparkJob

/** Everything a SparkJob takes: the job's settings and where it runs. */
export const sparkJobArgsSchema = jobSettingsSchema.safeExtend({
    namespace: dns1123Label("namespace"),
    serviceAccountName: dns1123Subdomain("serviceAccount"),
    image: digestRefSchema,
    secretEnv: recordOf(envNameSchema, z.string()).optional(),
    sparkVersion: sparkVersionSchema.optional(),
    runAsUser: runAsUserSchema.default(DEFAULT_RUN_AS_USER),
    cluster: clusterAccessSchema.default({}),
    apiRetrySeconds: apiRetrySecondsSchema.default(DEFAULT_API_RETRY_SECONDS),
    project: z.string().min(1).optional(),
    stack: z.string().min(1).optional(),
    eventLog: eventLogSchema.safeExtend({ credentials: credentialsSchema.optional() }).optional(),
    metrics: metricsSchema.optional(),
    historyServerUrl: httpUrlSchema.optional(),
    podLogsDir: logStoreDirSchema.optional(),
});
export type SparkJobSettings = z.output<typeof sparkJobArgsSchema>;

/** The problems of a SparkJob's arguments (its name included), all at once. */
export function sparkJobProblems(
    name: string,
    args: unknown,
): { problems: Problem[]; valid?: SparkJobSettings } {
    const problems: Problem[] = [];
    const named = jobNameSchema.safeParse(name);
    if (!named.success)
        problems.push(
            ...named.error.issues.map((i) => ({ path: ["name"], value: name, message: i.message })),
        );
    const { problems: found, data } = schemaProblems(
        sparkJobArgsSchema,
        args,
        (path) => (path[0] === "secretEnv" && path.length > 1) || isCredentialsPath(path),
    );
    problems.push(...found);
    const valid = data as SparkJobSettings | undefined;
    if (valid) {
        problems.push(...jobSettingsCrossProblems(valid, Object.keys(valid.secretEnv ?? {})));
        // The program's own check above already names the exact keys it sets.
        const named = new Set(problems.map((p) => p.path.join(".")));
        problems.push(
            ...observabilityConfProblems(valid.conf, valid.eventLog, valid.metrics)
                .filter((p) => !named.has(`conf.${p.key}`))
                .map((p) => ({ path: ["conf", p.key], message: p.message })),
        );
        if (valid.metrics?.podMonitor && !valid.metrics.prometheus)
            problems.push({
                path: ["metrics", "podMonitor"],
                message:
                    "needs metrics.prometheus: the PodMonitor scrapes the endpoints that setting opens",
            });
        if (valid.submitter === "local" && valid.sparkVersion === undefined)
            problems.push({
                path: ["sparkVersion"],
                message:
                    "is required with submitter 'local': the deployer's spark-submit must match the image's Spark, and this says which that is (e.g. 3.5.7)",
            });
    }
    return problems.length === 0 ? { problems, valid } : { problems };
}

// ---------------------------------------------------------------- SparkRbac

export const DEFAULT_SERVICE_ACCOUNT = "spark-driver";

export const sparkRbacArgsSchema = z.strictObject({
    namespace: dns1123Label("namespace"),
    createNamespace: z.boolean().default(true),
    serviceAccountName: dns1123Subdomain("serviceAccount").default(DEFAULT_SERVICE_ACCOUNT),
    binding: z
        .enum(["cluster", "namespace"], {
            error: "must be 'namespace' (RoleBinding, least privilege) or 'cluster' (ClusterRoleBinding)",
        })
        .default("namespace"),
    labels: labelMap.default({}),
    serviceAccountAnnotations: recordOf(annotationKey, z.string().max(65536)).default({}),
    serviceAccountLabels: labelMap.default({}),
});
export type SparkRbacSettings = z.output<typeof sparkRbacArgsSchema>;

export function sparkRbacProblems(args: unknown): {
    problems: Problem[];
    valid?: SparkRbacSettings;
} {
    const { problems, data } = schemaProblems(sparkRbacArgsSchema, args);
    return problems.length === 0 ? { problems, valid: data as SparkRbacSettings } : { problems };
}

// ---------------------------------------------------------------- JobImage

/** The default Spark base image: the newest official Spark 4 image with Python 3. */
export const DEFAULT_BASE_IMAGE = "apache/spark:4.1.2-scala2.13-java21-python3-ubuntu";
/** The Spark version {@link DEFAULT_BASE_IMAGE} carries. */
export const DEFAULT_SPARK_VERSION = "4.1.2";

/** Host, optionally with port: what goes before the first `/` of an image name. */
const REGISTRY_HOST = /^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(:[0-9]{1,5})?$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** `group:artifact:version` with an exact version (no ranges, no LATEST or SNAPSHOT). */
const mavenCoordinate = z
    .string()
    .regex(
        /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9][A-Za-z0-9_.-]*$/,
        "must be Maven coordinates group:artifact:version, e.g. org.apache.hadoop:hadoop-aws:3.3.4",
    )
    .refine((coordinate) => !/(^|:)(LATEST|RELEASE)$|-SNAPSHOT$/.test(coordinate), {
        message: "must pin an exact release version: no LATEST, RELEASE or -SNAPSHOT",
    });

const BUILD_FIELDS = [
    "registry",
    "repository",
    "tag",
    "baseImage",
    "jars",
    "context",
    "dockerfile",
    "platform",
] as const;

export const jobImageArgsSchema = z
    .strictObject({
        mode: z.enum(["docker", "cli", "existing"], {
            error: "must be 'docker' (build with the Docker provider), 'cli' (build with the docker CLI) or 'existing' (use ref)",
        }),
        registry: z
            .string()
            .regex(
                REGISTRY_HOST,
                "must be a registry host with an optional port, e.g. registry.example.com:5000",
            )
            .optional(),
        repository: z
            .string()
            .regex(REPOSITORY, "must be lower-case path components separated by '/'")
            .optional(),
        tag: z
            .string()
            .regex(
                IMAGE_TAG,
                "must be a Docker tag: letters, digits, '_', '.', '-', at most 128 characters",
            )
            .optional(),
        baseImage: z.string().min(1).optional(),
        jars: z.array(mavenCoordinate).optional(),
        context: z.string().min(1).optional(),
        dockerfile: z.string().min(1).optional(),
        platform: z.string().min(1).optional(),
        ref: digestRefSchema.optional(),
        sparkVersion: sparkVersionSchema.optional(),
        runAsUser: runAsUserSchema.default(DEFAULT_RUN_AS_USER),
        registryUsername: z.string().min(1).optional(),
        registryPassword: z.string().min(1).optional(),
    })
    .superRefine((image, ctx) => {
        const need = (key: string, what: string) =>
            ctx.addIssue({
                code: "custom",
                path: [key],
                message: `is required with mode '${image.mode}': ${what}`,
            });
        if (image.mode === "existing") {
            if (image.ref === undefined)
                need("ref", "the image reference pinned by digest, e.g. registry/repo@sha256:...");
            for (const key of BUILD_FIELDS)
                if (image[key] !== undefined)
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        message: "is for building an image; mode 'existing' builds nothing",
                    });
        } else {
            if (image.registry === undefined)
                need(
                    "registry",
                    "the registry host to push to, e.g. registry.example.com or 127.0.0.1:5000",
                );
            if (image.repository === undefined)
                need("repository", "the image repository, e.g. data/pyspark-jobs");
            if (image.ref !== undefined)
                ctx.addIssue({
                    code: "custom",
                    path: ["ref"],
                    message: "is for mode 'existing'; a built image's reference is its output",
                });
        }
        if (image.mode === "existing" && image.registryUsername !== undefined)
            ctx.addIssue({
                code: "custom",
                path: ["registryUsername"],
                message:
                    "is only used when the image is built (mode 'docker' or 'cli'); remove it for mode 'existing'",
            });
        if ((image.registryUsername === undefined) !== (image.registryPassword === undefined))
            ctx.addIssue({
                code: "custom",
                path: [
                    image.registryUsername === undefined ? "registryUsername" : "registryPassword",
                ],
                message:
                    "registryUsername and registryPassword go together: set both (the password as a secret) or neither",
            });
    })
    .transform((image) => ({
        ...image,
        tag: image.tag ?? "latest",
        baseImage: image.baseImage ?? DEFAULT_BASE_IMAGE,
        jars: image.jars ?? [],
        context: image.context ?? "app",
        dockerfile: image.dockerfile ?? "app/Dockerfile",
        platform: image.platform ?? "linux/amd64",
        // The default base image declares its Spark version; any other declares its own.
        sparkVersion:
            image.sparkVersion ??
            (image.mode !== "existing" && image.baseImage === undefined
                ? DEFAULT_SPARK_VERSION
                : undefined),
    }));
export type JobImageSettings = z.output<typeof jobImageArgsSchema>;

export function jobImageProblems(args: unknown): { problems: Problem[]; valid?: JobImageSettings } {
    const { problems, data } = schemaProblems(
        jobImageArgsSchema,
        args,
        (path: ArgPath) => path[0] === "registryPassword",
    );
    return problems.length === 0 ? { problems, valid: data as JobImageSettings } : { problems };
}

// ---------------------------------------------------------------- shared

/** The valid settings, or the error listing every problem. */
export function validOrThrow<T>(
    component: string,
    resourceName: string,
    checked: { problems: Problem[]; valid?: T },
): T {
    if (checked.problems.length > 0 || checked.valid === undefined)
        throw new InvalidArgumentsError(component, resourceName, checked.problems);
    return checked.valid;
}

// ---------------------------------------------------------------- SparkHistoryServer

export const HISTORY_DEFAULTS = {
    memory: "512m",
    coreRequest: "250m",
    coreLimit: "1",
    updateIntervalSeconds: 10,
    readyTimeoutSeconds: 300,
} as const;

export const sparkHistoryServerArgsSchema = z.strictObject({
    namespace: dns1123Label("namespace"),
    image: digestRefSchema,
    logDirectory: eventLogDirSchema,
    store: objectStoreSchema.default({ region: "us-east-1", pathStyle: false }),
    credentials: credentialsSchema.optional(),
    credentialsProvider: eventLogSchema.shape.credentialsProvider,
    serviceAccountAnnotations: recordOf(annotationKey, z.string().max(65536)).default({}),
    memory: z
        .string()
        .regex(/^[0-9]+[mg]$/, "must be a JVM heap size in m or g, e.g. 512m or 2g")
        .default(HISTORY_DEFAULTS.memory),
    coreRequest: cpuQuantity.default(HISTORY_DEFAULTS.coreRequest),
    coreLimit: cpuQuantity.default(HISTORY_DEFAULTS.coreLimit),
    updateIntervalSeconds: z
        .number()
        .int()
        .min(1, "must be at least 1")
        .max(3600, "must be at most 3600")
        .default(HISTORY_DEFAULTS.updateIntervalSeconds),
    readyTimeoutSeconds: z
        .number()
        .int()
        .min(30, "must be at least 30")
        .max(3600, "must be at most 3600")
        .default(HISTORY_DEFAULTS.readyTimeoutSeconds),
    runAsUser: runAsUserSchema.default(DEFAULT_RUN_AS_USER),
    labels: labelMap.default({}),
});
export type SparkHistoryServerSettings = z.output<typeof sparkHistoryServerArgsSchema>;

export function sparkHistoryServerProblems(
    name: string,
    args: unknown,
): { problems: Problem[]; valid?: SparkHistoryServerSettings } {
    const problems: Problem[] = nameProblems(name);
    const { problems: found, data } = schemaProblems(
        sparkHistoryServerArgsSchema,
        args,
        isCredentialsPath,
    );
    problems.push(...found);
    return problems.length === 0
        ? { problems, valid: data as SparkHistoryServerSettings }
        : { problems };
}

// ---------------------------------------------------------------- SparkLogKeeper

export const DEFAULT_RETENTION_DAYS = 30;

export const sparkLogKeeperArgsSchema = z.strictObject({
    namespace: dns1123Label("namespace"),
    image: digestRefSchema,
    dir: logStoreDirSchema,
    store: objectStoreSchema.default({ region: "us-east-1", pathStyle: false }),
    credentials: credentialsSchema.optional(),
    serviceAccountAnnotations: recordOf(annotationKey, z.string().max(65536)).default({}),
    retentionDays: z
        .number()
        .int("must be a whole number of days")
        .min(1, "must be at least 1")
        .max(3650, "must be at most 3650")
        .default(DEFAULT_RETENTION_DAYS),
    podSelector: labelMap.default({}),
    readyTimeoutSeconds: z
        .number()
        .int()
        .min(30, "must be at least 30")
        .max(3600, "must be at most 3600")
        .default(180),
    runAsUser: runAsUserSchema.default(DEFAULT_RUN_AS_USER),
    labels: labelMap.default({}),
});
export type SparkLogKeeperSettings = z.output<typeof sparkLogKeeperArgsSchema>;

export function sparkLogKeeperProblems(
    name: string,
    args: unknown,
): { problems: Problem[]; valid?: SparkLogKeeperSettings } {
    const problems: Problem[] = nameProblems(name);
    const { problems: found, data } = schemaProblems(
        sparkLogKeeperArgsSchema,
        args,
        isCredentialsPath,
    );
    problems.push(...found);
    return problems.length === 0
        ? { problems, valid: data as SparkLogKeeperSettings }
        : { problems };
}

/** The objects of these components are named after them: a DNS-1123 label, not too long. */
function nameProblems(name: string): Problem[] {
    const named = dns1123Label("name", 40).safeParse(name);
    return named.success
        ? []
        : named.error.issues.map((i) => ({ path: ["name"], value: name, message: i.message }));
}
