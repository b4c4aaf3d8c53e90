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

/** A container image reference pinned by digest: `name@sha256:<64 hex>`. */
const DIGEST_REF = /^[^\s@]+@sha256:[a-f0-9]{64}$/;
export const digestRefSchema = z
    .string()
    .regex(
        DIGEST_REF,
        "must be pinned by digest: <name>@sha256:<64 hex digits>, so that a new image re-runs the jobs",
    );

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
        (path) => path[0] === "secretEnv" && path.length > 1,
    );
    problems.push(...found);
    const valid = data as SparkJobSettings | undefined;
    if (valid) {
        problems.push(...jobSettingsCrossProblems(valid, Object.keys(valid.secretEnv ?? {})));
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
