/**
 * The stack configuration's schema: every key a stack can set under the project's config
 * namespace (`pyspark-k8s:<key>`), its type, its default and what is allowed, as zod
 * schemas, and the types the program uses. Validation is in config.ts.
 */
import { z } from "zod";
import { parseK8sQuantity, parseSparkMemory } from "./quantities";

/** The Pulumi project name, which is also the config namespace. */
export const CONFIG_NAMESPACE = "pyspark-k8s";

/**
 * The default Spark base image: the newest official Spark 4 image with Python 3 (Scala
 * 2.13, Java 21), pinned by tag, and the Spark version it carries. Spark 3.5 images
 * (e.g. apache/spark:3.5.7-scala2.12-java17-python3-ubuntu) work as well.
 */
export const DEFAULT_BASE_IMAGE = "apache/spark:4.1.2-scala2.13-java21-python3-ubuntu";
export const DEFAULT_SPARK_VERSION = "4.1.2";

/** Spark refuses to start a JVM with less heap than this (450 MiB). */
const MIN_SPARK_MEMORY_MIB = 450;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** A container image reference pinned by digest: `name@sha256:<64 hex>`. */
const DIGEST_REF = /^[^\s@]+@sha256:[a-f0-9]{64}$/;
/** Host, optionally with port: what goes before the first `/` of an image name. */
const REGISTRY_HOST = /^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(:[0-9]{1,5})?$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const dns1123Label = (what: string) =>
    z
        .string()
        .max(63, `${what} must be at most 63 characters (DNS-1123 label)`)
        .regex(
            DNS1123_LABEL,
            `${what} must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit`,
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
const cpuQuantity = z.string().refine(
    (value) => {
        const cores = parseK8sQuantity(value);
        return cores !== undefined && cores > 0;
    },
    { message: "must be a positive Kubernetes CPU quantity (e.g. 250m, 0.5, 2)" },
);

/** A label or annotation key: an optional DNS subdomain prefix and '/', and a name. */
function isQualifiedName(key: string): boolean {
    const [prefix, name, ...rest] = key.includes("/") ? key.split("/") : [undefined, key];
    return (
        rest.length === 0 &&
        (prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix))) &&
        name !== undefined &&
        name.length >= 1 &&
        name.length <= 63 &&
        LABEL_VALUE.test(name)
    );
}

const annotationKey = z.string().refine(isQualifiedName, {
    message:
        "annotation keys are an optional DNS subdomain prefix and '/' and a name of at most 63 characters of letters, digits, '-', '_', '.'",
});

const labelMap = z.record(
    z.string().refine(isQualifiedName, {
        message:
            "label keys are an optional DNS subdomain prefix and '/' and a name of at most 63 characters of letters, digits, '-', '_', '.'",
    }),
    z
        .string()
        .max(63, "label values are at most 63 characters")
        .regex(
            LABEL_VALUE,
            "label values are letters, digits, '-', '_', '.', starting and ending with a letter or digit",
        ),
);

const envName = z
    .string()
    .regex(
        ENV_NAME,
        "environment variable names are letters, digits and '_', not starting with a digit",
    );

const dns1123Subdomain = (what: string) =>
    z
        .string()
        .max(253, `${what} names are at most 253 characters`)
        .regex(
            DNS1123_SUBDOMAIN,
            `${what} names are lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
        );

/** Paths the program itself mounts in every Spark pod (see lib/podTemplate.ts). */
export const RESERVED_MOUNT_PATHS = ["/tmp", "/opt/spark/pod-templates"];

/** An absolute path inside the container, not on the paths Spark or the program mount. */
const mountPath = z
    .string()
    .regex(/^\/[^\0]*$/, "must be an absolute path, e.g. /mnt/data")
    .refine((path) => !RESERVED_MOUNT_PATHS.some((p) => path === p || path.startsWith(`${p}/`)), {
        message: `must not be ${RESERVED_MOUNT_PATHS.join(" or ")} or below: the program mounts there`,
    });

const volumeSchema = z
    .strictObject({
        /** Where the volume is mounted in the driver and the executors. */
        mountPath,
        readOnly: z.boolean().default(false),
        /** An existing PersistentVolumeClaim, by name. */
        persistentVolumeClaim: dns1123Subdomain("claim").optional(),
        /** A scratch directory per pod; the value is its size limit, e.g. `1Gi` ("" for none). */
        emptyDir: z
            .string()
            .refine((value) => value === "" || parseK8sQuantity(value) !== undefined, {
                message: 'must be a size limit such as 1Gi, or "" for none',
            })
            .optional(),
        /** An existing ConfigMap, by name. */
        configMap: dns1123Subdomain("configMap").optional(),
        /** An existing Secret, by name (always mounted read-only). */
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

/** The volume sources a job may mount. */
export const VOLUME_SOURCES = ["persistentVolumeClaim", "emptyDir", "configMap", "secret"] as const;

const tolerationSchema = z.strictObject({
    key: z.string().min(1).optional(),
    operator: z.enum(["Exists", "Equal"], { error: "must be Exists or Equal" }).default("Equal"),
    value: z.string().optional(),
    effect: z
        .enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], {
            error: "must be NoSchedule, PreferNoSchedule or NoExecute",
        })
        .optional(),
    tolerationSeconds: z.number().int().min(0).optional(),
});

const nodeSelectorTerm = z.strictObject({
    matchExpressions: z
        .array(
            z.strictObject({
                key: z.string().min(1),
                operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"], {
                    error: "must be In, NotIn, Exists, DoesNotExist, Gt or Lt",
                }),
                values: z.array(z.string()).optional(),
            }),
        )
        .optional(),
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
    z.strictObject({
        /** Spark cores for the JVM (`spark.{driver,executor}.cores`). */
        cores: z
            .number()
            .int("must be a whole number of cores")
            .min(1, "must be at least 1")
            .max(64, "must be at most 64")
            .default(defaults.cores),
        /** Kubernetes CPU request of the pod; defaults to `cores`. */
        coreRequest: cpuQuantity.optional(),
        /** Kubernetes CPU limit of the pod; defaults to `cores`. */
        coreLimit: cpuQuantity.optional(),
        /** JVM heap (`spark.{driver,executor}.memory`). */
        memory: sparkMemory.default(defaults.memory),
        /** Non-heap memory added to the pod's memory request and limit. */
        memoryOverhead: sparkOverhead.optional(),
    });

/** Keys that the program sets itself; a job's `conf` may not override them. */
export const RESERVED_SPARK_CONF: Record<string, string> = {
    "spark.master": "cluster.master",
    "spark.submit.deployMode": "(always cluster)",
    "spark.kubernetes.namespace": "namespace",
    "spark.kubernetes.container.image": "image",
    "spark.kubernetes.driver.container.image": "image",
    "spark.kubernetes.executor.container.image": "image",
    "spark.kubernetes.authenticate.driver.serviceAccountName": "rbac.serviceAccountName",
    "spark.kubernetes.driver.pod.name": "(generated per run)",
    "spark.kubernetes.executor.podNamePrefix": "(generated per run)",
    "spark.kubernetes.context": "cluster.context",
    "spark.driver.host": "(the driver pod's IP, cluster submitter)",
    "spark.driver.bindAddress": "(the driver pod's IP, cluster submitter)",
    "spark.kubernetes.submission.waitAppCompletion": "(managed by the job runner)",
    "spark.executor.instances": "jobs.<name>.executor.instances",
    "spark.dynamicAllocation.enabled": "jobs.<name>.dynamicAllocation",
    "spark.driver.cores": "jobs.<name>.driver.cores",
    "spark.driver.memory": "jobs.<name>.driver.memory",
    "spark.executor.cores": "jobs.<name>.executor.cores",
    "spark.executor.memory": "jobs.<name>.executor.memory",
    "spark.kubernetes.driver.podTemplateFile":
        "jobs.<name>.volumes, nodeSelector, tolerations, affinity",
    "spark.kubernetes.executor.podTemplateFile":
        "jobs.<name>.volumes, nodeSelector, tolerations, affinity",
    "spark.kubernetes.driver.podTemplateContainerName": "(set with the pod template)",
    "spark.kubernetes.executor.podTemplateContainerName": "(set with the pod template)",
};

/** Five cron fields, or a macro such as @daily (what a CronJob accepts). */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$/;

/** A scheduled job's CronJob settings. */
const scheduleSchema = z.strictObject({
    /** Cron expression, e.g. `0 3 * * *` (03:00 every day). */
    cron: z
        .string()
        .trim()
        .regex(
            CRON,
            'must be a cron expression of five fields (e.g. "0 3 * * *") or a macro such as @daily',
        ),
    /** IANA time zone of the cron expression, e.g. `Europe/Paris`; default the controller's (UTC). */
    timeZone: z
        .string()
        .regex(
            /^[A-Za-z]+(\/[A-Za-z0-9_+-]+)*$/,
            "must be an IANA time zone name, e.g. Europe/Paris",
        )
        .optional(),
    /** `Forbid` (default: skip a run while the previous one runs), `Allow` or `Replace`. */
    concurrencyPolicy: z
        .enum(["Forbid", "Allow", "Replace"], { error: "must be Forbid, Allow or Replace" })
        .default("Forbid"),
    /** Finished runs kept (Jobs and their driver pods), for logs. */
    successfulRunsHistoryLimit: z.number().int().min(0).max(100).default(3),
    failedRunsHistoryLimit: z.number().int().min(0).max(100).default(3),
    /** A run that could not start within this many seconds of its time is skipped. */
    startingDeadlineSeconds: z.number().int().min(10).optional(),
    /** Keep the CronJob but start no runs. */
    suspend: z.boolean().default(false),
});

const jobSchema = z
    .strictObject({
        /**
         * The application: a path relative to the app directory baked into the image
         * (e.g. `jobs/pi.py`), or a full URI (`local:///...`, `s3a://...`).
         */
        app: z.string().min(1, "must name the application file, e.g. jobs/pi.py"),
        /** Arguments passed to the application. */
        args: z.array(z.string()).default([]),
        driver: podResources({ cores: 1, memory: "512m" }).default({ cores: 1, memory: "512m" }),
        executor: podResources({ cores: 1, memory: "512m" })
            .extend({
                /** Number of executors (the initial number under dynamic allocation). */
                instances: z
                    .number()
                    .int("must be a whole number")
                    .min(1, "must be at least 1")
                    .max(500, "must be at most 500")
                    .default(2),
            })
            .default({ cores: 1, memory: "512m", instances: 2 }),
        dynamicAllocation: z
            .strictObject({
                enabled: z.boolean().default(false),
                minExecutors: z
                    .number()
                    .int("must be a whole number")
                    .min(0, "must be at least 0")
                    .default(0),
                maxExecutors: z
                    .number()
                    .int("must be a whole number")
                    .min(1, "must be at least 1")
                    .default(4),
            })
            .default({ enabled: false, minExecutors: 0, maxExecutors: 4 }),
        /** Extra labels on the driver and executor pods. */
        labels: labelMap.default({}),
        /** Extra `--conf key=value` settings. */
        conf: z
            .record(
                z.string().regex(/^spark\.[A-Za-z0-9_.-]+$/, "Spark conf keys start with 'spark.'"),
                z.string(),
            )
            .superRefine((conf, ctx) => {
                for (const key of Object.keys(conf)) {
                    const owner = RESERVED_SPARK_CONF[key];
                    if (owner !== undefined)
                        ctx.addIssue({
                            code: "custom",
                            path: [key],
                            message: `is set by the program; use ${owner} instead`,
                        });
                }
            })
            .default({}),
        /** Environment variables for the driver and the executors. */
        env: z.record(envName, z.string()).default({}),
        /**
         * Environment variables from existing Secrets, for the driver and the executors:
         * `VAR: { secret, key }`. Nothing of the value passes through the program.
         */
        secretKeyRefs: z
            .record(
                envName,
                z.strictObject({
                    secret: dns1123Subdomain("secret"),
                    key: z
                        .string()
                        .regex(SECRET_KEY, "secret keys are letters, digits, '-', '_' and '.'"),
                }),
            )
            .default({}),
        /**
         * Existing Secrets mounted read-only as files in the driver and the executors:
         * `<secret name>: <absolute mount path>`.
         */
        secretMounts: z.record(dns1123Subdomain("secret"), mountPath).default({}),
        /** Volumes mounted in the driver and the executors, by volume name. */
        volumes: z.record(dns1123Label("volume name"), volumeSchema).default({}),
        /**
         * A NetworkPolicy that admits traffic to the job's pods only from the job's own
         * pods (driver and executors talk to each other; nothing else needs to reach them).
         * Outbound traffic is not restricted.
         */
        networkPolicy: z.boolean().default(true),
        /** Node labels the driver and executor pods must run on (`nodeSelector`). */
        nodeSelector: labelMap.default({}),
        /** Taints the driver and executor pods tolerate (Kubernetes `tolerations`). */
        tolerations: z.array(tolerationSchema).default([]),
        /** Kubernetes `affinity` of the driver and executor pods, as written in a pod spec. */
        affinity: affinitySchema.optional(),
        /**
         * Regular expression picking the result line from the driver log; the whole
         * matching line (or the first capture group, if any) becomes the `result` output.
         */
        resultPattern: z
            .string()
            .optional()
            .refine(
                (pattern) => {
                    if (pattern === undefined) return true;
                    try {
                        new RegExp(pattern);
                        return true;
                    } catch {
                        return false;
                    }
                },
                { message: "must be a valid JavaScript regular expression" },
            ),
        /** Seconds the driver may take to start running before the run fails. */
        startTimeoutSeconds: z
            .number()
            .int()
            .min(10, "must be at least 10")
            .max(3600, "must be at most 3600")
            .default(180),
        /** Seconds the whole run may take before the application is killed. */
        runTimeoutSeconds: z
            .number()
            .int()
            .min(30, "must be at least 30")
            .max(86400, "must be at most 86400")
            .default(1800),
        /** Bump to re-run the job with nothing else changed. */
        runId: z
            .union([z.string().min(1), z.number()])
            .transform(String)
            .default("1"),
        /**
         * Who runs spark-submit: `cluster` (a Kubernetes Job in the job's own image; the
         * deployer needs only Node and Pulumi) or `local` (spark-submit in cluster deploy
         * mode from the machine running `pulumi up`, which then needs Java and Spark).
         */
        submitter: z
            .enum(["cluster", "local"], {
                error: "must be 'cluster' (a Kubernetes Job runs spark-submit) or 'local' (spark-submit from the deployer)",
            })
            .default("cluster"),
        /** Failed attempts of the application retried before the run fails (cluster submitter). */
        retries: z
            .number()
            .int("must be a whole number")
            .min(0, "must be at least 0")
            .max(20, "must be at most 20")
            .default(0),
        /**
         * Run on a schedule instead of during `pulumi up`: a cron expression, or the
         * CronJob's settings (cluster submitter only).
         */
        schedule: z
            .preprocess(
                (value) => (typeof value === "string" ? { cron: value } : value),
                scheduleSchema,
            )
            .optional(),
    })
    .superRefine((job, ctx) => {
        if (job.submitter === "local" && job.schedule !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["schedule"],
                message: "needs submitter 'cluster': a schedule runs as a CronJob in the cluster",
            });
        }
        if (job.submitter === "local" && job.retries > 0) {
            ctx.addIssue({
                code: "custom",
                path: ["retries"],
                message: "needs submitter 'cluster': retries are the Kubernetes Job's backoffLimit",
            });
        }
        const dyn = job.dynamicAllocation;
        if (dyn.enabled && dyn.minExecutors > dyn.maxExecutors) {
            ctx.addIssue({
                code: "custom",
                path: ["dynamicAllocation", "minExecutors"],
                message: `must not exceed maxExecutors (${dyn.maxExecutors})`,
            });
        }
        if (
            dyn.enabled &&
            (job.executor.instances < dyn.minExecutors || job.executor.instances > dyn.maxExecutors)
        ) {
            ctx.addIssue({
                code: "custom",
                path: ["executor", "instances"],
                message: `is the initial executor count under dynamic allocation and must lie between minExecutors (${dyn.minExecutors}) and maxExecutors (${dyn.maxExecutors})`,
            });
        }
    });

/** A Spark release, e.g. 4.1.1 or 3.5.7. */
const sparkVersion = z
    .string()
    .regex(/^[34]\.[0-9]+\.[0-9]+$/, "must be a Spark release such as 4.1.1 or 3.5.7");

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

/** The non-root user Spark images run as (uid 185 in the official and the local images). */
const runAsUser = z
    .number()
    .int("must be a whole number")
    .min(1, "must not be 0: pods run as a non-root user")
    .default(185);

/** What every image build needs, whichever builder runs it. */
const imageBuildFields = {
    registry: z
        .string({
            error: "is required: the registry host to push to, e.g. registry.example.com or 127.0.0.1:5000",
        })
        .regex(
            REGISTRY_HOST,
            "must be a registry host with an optional port, e.g. registry.example.com:5000",
        ),
    repository: z
        .string({ error: "is required: the image repository, e.g. data/pyspark-jobs" })
        .regex(REPOSITORY, "must be lower-case path components separated by '/'"),
    tag: z
        .string()
        .regex(
            IMAGE_TAG,
            "must be a Docker tag: letters, digits, '_', '.', '-', at most 128 characters",
        )
        .default("latest"),
    baseImage: z.string().min(1).default(DEFAULT_BASE_IMAGE),
    /** The Spark version of the base image; the local submitter checks its spark-submit against it. */
    sparkVersion: sparkVersion.optional(),
    /** The image's user id; every pod runs as it (Pod Security `restricted`: non-root). */
    runAsUser,
    /**
     * Maven coordinates `group:artifact:version` (an exact version) of jars to add to the
     * image's Spark, e.g. connectors such as `org.apache.hadoop:hadoop-aws:3.3.4`. They and
     * their runtime dependencies are resolved when the image is built, checksums checked,
     * and baked in; nothing is downloaded when a job runs.
     */
    jars: z.array(mavenCoordinate).default([]),
    context: z.string().min(1).default("app"),
    dockerfile: z.string().min(1).default("app/Dockerfile"),
    platform: z.string().default("linux/amd64"),
};

const imageSchema = z.discriminatedUnion(
    "mode",
    [
        /** Build with the Pulumi Docker provider and push. */
        z.strictObject({ mode: z.literal("docker"), ...imageBuildFields }),
        /** Build with the docker CLI (a dynamic resource) and push. */
        z.strictObject({ mode: z.literal("cli"), ...imageBuildFields }),
        z.strictObject({
            /** Use an image that already exists; build nothing. */
            mode: z.literal("existing"),
            sparkVersion: sparkVersion.optional(),
            runAsUser,
            ref: z
                .string({
                    error: "is required: the image reference pinned by digest, e.g. registry/repo@sha256:...",
                })
                .regex(
                    DIGEST_REF,
                    "must be pinned by digest: <name>@sha256:<64 hex digits>, so that a new image re-runs the jobs",
                ),
        }),
    ],
    {
        error: "must have mode 'docker' (build with the Docker provider), 'cli' (build with the docker CLI) or 'existing' (use ref)",
    },
);

export const stackSchema = z.strictObject({
    cluster: z
        .strictObject({
            /** Path of the kubeconfig; default: $KUBECONFIG or ~/.kube/config. */
            kubeconfig: z.string().min(1).optional(),
            /** Kubeconfig context; default: the current context. */
            context: z.string().min(1).optional(),
            /** Spark master (`k8s://https://host:port`); default: taken from the kubeconfig at run time. */
            master: z
                .string()
                .regex(
                    /^k8s:\/\/https?:\/\/[^/:\s]+:[0-9]{1,5}\/?$/,
                    "must be k8s://https://<host>:<port> (the port is required)",
                )
                .optional(),
            /**
             * How long the runner keeps retrying a Kubernetes API that does not answer
             * (connection refused or reset, timeouts, 429, 5xx) before it gives up.
             */
            apiRetrySeconds: z
                .number()
                .int()
                .min(5, "must be at least 5")
                .max(3600, "must be at most 3600")
                .default(120),
            /** Schedulable capacity, to check that every pod of a job fits at once. */
            capacity: z
                .strictObject({
                    cpu: cpuQuantity,
                    memory: z.string().refine((value) => parseK8sQuantity(value) !== undefined, {
                        message: "must be a Kubernetes memory quantity, e.g. 1814Mi",
                    }),
                })
                .optional(),
        })
        .prefault({}),
    namespace: dns1123Label("namespace").default("spark-jobs"),
    createNamespace: z.boolean().default(true),
    rbac: z
        .strictObject({
            serviceAccountName: dns1123Label("serviceAccountName").default("spark-driver"),
            /**
             * `namespace` (default): a RoleBinding in the job namespace only; `cluster`: a
             * ClusterRoleBinding, so the driver may manage pods in every namespace.
             */
            binding: z
                .enum(["cluster", "namespace"], {
                    error: "must be 'namespace' (RoleBinding, least privilege) or 'cluster' (ClusterRoleBinding)",
                })
                .default("namespace"),
            /**
             * Annotations of the driver's ServiceAccount, for cloud identity: e.g. EKS IRSA
             * `eks.amazonaws.com/role-arn`, GKE `iam.gke.io/gcp-service-account`.
             */
            serviceAccountAnnotations: z.record(annotationKey, z.string().max(65536)).default({}),
            /** Labels of the driver's ServiceAccount (e.g. Azure `azure.workload.identity/use`). */
            serviceAccountLabels: labelMap.default({}),
        })
        .prefault({}),
    image: imageSchema,
    /** Username for the image registry; the password is the secret `registryPassword`. */
    registryUsername: z.string().min(1).optional(),
    registryPassword: z.string().min(1).optional(),
    /**
     * Secret environment variables per job, `secretEnv.<job>.<VAR>`, set with `pulumi config
     * set --secret --path`. Each job's values go into a Kubernetes Secret of its own, which the
     * driver and the executors read by reference. (A top-level key of their own: Pulumi marks
     * the whole top-level value secret when one path under it is, and `jobs` stays plain.)
     */
    secretEnv: z.record(z.string(), z.record(envName, z.string())).default({}),
    /**
     * The job whose result line is the stack output `result`; default the stack's only job
     * that runs during `pulumi up`, if it has exactly one (`jobRuns` has every job's).
     */
    resultJob: z.string().min(1).optional(),
    jobs: z
        .record(
            dns1123Label("job name").max(
                30,
                "job names are at most 30 characters (they prefix pod names, which Spark limits)",
            ),
            jobSchema,
        )
        .refine((jobs) => Object.keys(jobs).length > 0, {
            message: "must declare at least one job",
        }),
});

/** A job as the program uses it, with every default filled in. */
export type JobConfig = z.output<typeof jobSchema>;
/** The image settings, with defaults filled in. */
export type ImageConfig = z.output<typeof imageSchema>;
/** The whole validated stack configuration. */
export type StackConfig = z.output<typeof stackSchema>;

/** Keys whose values are secrets: never echoed in error messages. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["registryPassword", "secretEnv"]);

/** Every top-level key a stack may set under the project namespace. */
export const KNOWN_KEYS: readonly string[] = Object.keys(stackSchema.shape);

/** The schema a zod schema wraps (defaults, optionals, pipes), down to what it checks. */
function unwrap(schema: z.ZodType): z.ZodType {
    let s = schema;
    for (;;) {
        const def = (
            s as unknown as {
                _zod: { def: { type: string; innerType?: z.ZodType; out?: z.ZodType } };
            }
        )._zod.def;
        if (
            (def.type === "default" || def.type === "prefault" || def.type === "optional") &&
            def.innerType
        )
            s = def.innerType;
        else if (def.type === "pipe" && def.out) s = def.out;
        else return s;
    }
}

/**
 * The keys a strict object of the schema accepts at `path` (map keys such as a job's name
 * count as one step), for "allowed here" hints; undefined where the schema has no single
 * object (e.g. the image, whose keys depend on its mode).
 */
export function allowedKeysAt(path: readonly PropertyKey[]): string[] | undefined {
    let node: z.ZodType = stackSchema;
    for (const part of path) {
        const s = unwrap(node);
        if (s instanceof z.ZodObject) {
            const next = (s.shape as Record<string, z.ZodType>)[String(part)];
            if (!next) return undefined;
            node = next;
        } else if (s instanceof z.ZodRecord) {
            node = s._zod.def.valueType as z.ZodType;
        } else {
            return undefined;
        }
    }
    const s = unwrap(node);
    return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
}
