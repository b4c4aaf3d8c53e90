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
    parseK8sQuantity,
    recordOf,
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
});

/** Keys whose values are secrets: never echoed in error messages. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["registryPassword", "secretEnv"]);

/** Every top-level key a stack may set under the project namespace. */
export const KNOWN_KEYS: readonly string[] = Object.keys(stackSchema.shape);
