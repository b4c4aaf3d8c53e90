/**
 * A stack's whole configuration, validated at once: `validateStackConfig` throws a single
 * {@link ConfigError} listing every problem (key, bad value, what is allowed) before any
 * resource is registered, so bad input never creates half a deployment. The keys map to
 * the components' arguments, and each component's own validation checks them: this file
 * only maps argument paths back to config keys, and adds the checks that span the stack.
 */
import {
    JobSettings,
    Problem,
    jobFootprint,
    jobImageProblems,
    jobNameSchema,
    jobSettingsCrossProblems,
    jobSettingsSchema,
    observabilityConfProblems,
    parseK8sQuantity,
    schemaProblems,
    sparkRbacProblems,
} from "@pyspark-k8s/pulumi";
import type { JobImageSettings, SparkRbacSettings } from "@pyspark-k8s/pulumi";
import { z } from "zod";
import { ConfigError, ConfigProblem, keyOf } from "./configProblems";
import {
    CONFIG_NAMESPACE,
    ObservabilitySettings,
    SECRET_KEYS,
    capacitySchema,
    stackSchema,
} from "./stackSchema";

/** The validated configuration: each component's arguments, and the stack's own settings. */
export interface StackConfig {
    readonly cluster: z.output<typeof stackSchema>["cluster"];
    readonly rbac: SparkRbacSettings;
    readonly image: JobImageSettings;
    /** The jobs, in the stack's order. */
    readonly jobs: readonly StackJob[];
    readonly resultJob?: string;
    /** Event logs, History Server, kept pod logs, metrics; none when unset. */
    readonly observability?: ObservabilitySettings;
    /** The store's keys (a secret), if the stack gives keys rather than cloud identity. */
    readonly storeKeys?: z.output<typeof stackSchema>["storeKeys"];
}

/** One job of the stack: its name, its settings with defaults filled in, its secrets. */
export interface StackJob {
    readonly name: string;
    readonly settings: JobSettings;
    /** Its secret variables (values from the stack's secrets), if it has any. */
    readonly secretEnv?: Readonly<Record<string, string>>;
}

const has = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key);

/** A component's problems as config problems: its argument paths mapped to keys. */
function mapped(
    problems: readonly Problem[],
    keyPath: (path: Problem["path"]) => Problem["path"] | undefined,
): ConfigProblem[] {
    return problems.flatMap((p) => {
        const path = keyPath(p.path);
        return path === undefined ? [] : [{ key: keyOf(path), value: p.value, message: p.message }];
    });
}

/** Where each SparkRbac argument comes from. */
const RBAC_KEYS: Readonly<Record<string, readonly string[]>> = {
    namespace: ["namespace"],
    createNamespace: ["createNamespace"],
    serviceAccountName: ["rbac", "serviceAccountName"],
    binding: ["rbac", "binding"],
    serviceAccountAnnotations: ["rbac", "serviceAccountAnnotations"],
    serviceAccountLabels: ["rbac", "serviceAccountLabels"],
};

/** The value of a config key given as a path, in the raw configuration. */
function rawAt(raw: Record<string, unknown>, path: readonly string[]): unknown {
    let node: unknown = raw;
    for (const part of path) {
        if (!isRecord(node) || !has(node, part)) return undefined;
        node = node[part];
    }
    return node;
}

function rbacArgs(raw: Record<string, unknown>): Record<string, unknown> {
    const args: Record<string, unknown> = { namespace: "spark-jobs" };
    for (const [arg, path] of Object.entries(RBAC_KEYS)) {
        const value = rawAt(raw, path);
        if (value !== undefined) args[arg] = value;
    }
    return args;
}

function imageArgs(raw: Record<string, unknown>): Record<string, unknown> {
    return {
        ...(isRecord(raw.image) ? raw.image : {}),
        ...(raw.registryUsername !== undefined ? { registryUsername: raw.registryUsername } : {}),
        ...(raw.registryPassword !== undefined ? { registryPassword: raw.registryPassword } : {}),
    };
}

/** JobImage's registry credentials are top-level keys; everything else is under `image`. */
function imageKey(path: Problem["path"]): Problem["path"] {
    return path[0] === "registryUsername" || path[0] === "registryPassword"
        ? path
        : ["image", ...path];
}

/** Each job's settings, checked by the SparkJob rules, and the valid ones. */
function jobProblems(
    jobs: Readonly<Record<string, unknown>>,
    secretEnv: Readonly<Record<string, Record<string, string>>>,
): { problems: ConfigProblem[]; valid: Record<string, JobSettings> } {
    const problems: ConfigProblem[] = [];
    const valid: Record<string, JobSettings> = {};
    for (const [name, raw] of Object.entries(jobs)) {
        const named = jobNameSchema.safeParse(name);
        if (!named.success)
            problems.push(
                ...named.error.issues.map((i) => ({
                    key: keyOf(["jobs"]),
                    value: name,
                    message: `bad name: ${i.message}`,
                })),
            );
        const { problems: found, data } = schemaProblems(jobSettingsSchema, raw);
        problems.push(...mapped(found, (path) => ["jobs", name, ...path]));
        if (data === undefined) continue;
        const settings = data as JobSettings;
        const secretNames = has(secretEnv, name) ? Object.keys(secretEnv[name]) : [];
        problems.push(
            ...mapped(jobSettingsCrossProblems(settings, secretNames), (path) =>
                path[0] === "secretEnv"
                    ? ["secretEnv", name, ...path.slice(1)]
                    : ["jobs", name, ...path],
            ),
        );
        valid[name] = settings;
    }
    return { problems, valid };
}

/** Secret variables belong to a job, under names a variable may have. */
function secretEnvProblems(
    secretEnv: Readonly<Record<string, Record<string, string>>>,
    jobs: object,
): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const [job, vars] of Object.entries(secretEnv)) {
        if (!has(jobs, job)) {
            problems.push({
                key: keyOf(["secretEnv", job]),
                message: `names no job; jobs here: ${Object.keys(jobs).join(", ")}`,
            });
            continue;
        }
        for (const name of Object.keys(vars))
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
                problems.push({
                    key: keyOf(["secretEnv", job, name]),
                    message:
                        "environment variable names are letters, digits and '_', not starting with a digit",
                });
    }
    return problems;
}

/** `resultJob` names a job that runs during `pulumi up`. */
function resultJobProblems(
    resultJob: string | undefined,
    jobs: Readonly<Record<string, unknown>>,
): ConfigProblem[] {
    if (resultJob === undefined) return [];
    if (!has(jobs, resultJob))
        return [
            {
                key: keyOf(["resultJob"]),
                value: resultJob,
                message: `names no job; jobs here: ${Object.keys(jobs).join(", ")}`,
            },
        ];
    const schedule = (jobs[resultJob] as { schedule?: unknown } | null)?.schedule;
    if (schedule !== undefined)
        return [
            {
                key: keyOf(["resultJob"]),
                value: resultJob,
                message: "names a scheduled job, which does not run during pulumi up",
            },
        ];
    return [];
}

/** Every job's pods must fit the declared capacity at once, or some stay Pending. */
function capacityProblems(
    capacity: { cpu: string; memory: string } | undefined,
    jobs: Readonly<Record<string, JobSettings>>,
): ConfigProblem[] {
    if (!capacity) return [];
    const cpu = parseK8sQuantity(capacity.cpu) ?? 0;
    const memoryMiB = (parseK8sQuantity(capacity.memory) ?? 0) / (1024 * 1024);
    const problems: ConfigProblem[] = [];
    for (const [name, job] of Object.entries(jobs)) {
        const need = jobFootprint(job);
        if (need.memoryMiB > memoryMiB)
            problems.push({
                key: keyOf(["jobs", name]),
                message: `its ${need.pods} pods request ${need.memoryMiB}Mi of memory but cluster.capacity.memory is ${capacity.memory} (${Math.floor(memoryMiB)}Mi): some would stay Pending; lower executor.instances, memory or memoryOverhead`,
            });
        if (need.cpu > cpu + 1e-9)
            problems.push({
                key: keyOf(["jobs", name]),
                message: `its ${need.pods} pods request ${need.cpu} CPU but cluster.capacity.cpu is ${capacity.cpu}: some would stay Pending; lower executor.instances or set coreRequest`,
            });
    }
    return problems;
}

/** The local submitter checks the deployer's spark-submit against the image's Spark. */
function sparkVersionProblems(
    image: JobImageSettings | undefined,
    jobs: Readonly<Record<string, JobSettings>>,
): ConfigProblem[] {
    if (image === undefined || image.sparkVersion !== undefined) return [];
    return Object.entries(jobs)
        .filter(([, job]) => job.submitter === "local")
        .map(([name]) => ({
            key: keyOf(["image", "sparkVersion"]),
            message: `is required by job '${name}' (submitter 'local'): the deployer's spark-submit must match the image's Spark, and this says which that is (e.g. 3.5.7)`,
        }));
}

/** A job's `conf` may not set what the stack's observability settings make the program set. */
function observabilityJobProblems(
    observability: ObservabilitySettings | undefined,
    jobs: Readonly<Record<string, JobSettings>>,
): ConfigProblem[] {
    if (observability === undefined) return [];
    const eventLog = observability.eventLog && {
        ...observability.eventLog,
        store: observability.store,
    };
    return Object.entries(jobs).flatMap(([name, job]) =>
        observabilityConfProblems(job.conf, eventLog, observability.metrics).map((p) => ({
            key: keyOf(["jobs", name, "conf", p.key]),
            message: `${p.message} (observability)`,
        })),
    );
}

/** How to set each must-be-secret key as a secret. */
const SET_AS_SECRET: Record<string, string> = {
    registryPassword: `pulumi config set --secret ${CONFIG_NAMESPACE}:registryPassword <password>`,
    secretEnv: `pulumi config set --secret --path '${CONFIG_NAMESPACE}:secretEnv.<job>.<VAR>' <value>`,
    storeKeys: `pulumi config set --secret --path '${CONFIG_NAMESPACE}:storeKeys.accessKeyId' <key id> (and storeKeys.secretAccessKey)`,
};

/** Keys that must be secrets but are plain text in the stack's file. */
function plainSecretProblems(
    raw: Record<string, unknown>,
    secretKeys: ReadonlySet<string>,
): ConfigProblem[] {
    return [...SECRET_KEYS]
        .filter((key) => raw[key] !== undefined && !secretKeys.has(key))
        .map((key) => ({
            key: keyOf([key]),
            message: `is in plain text in the stack's settings file; remove it (pulumi config rm ${CONFIG_NAMESPACE}:${key}) and set it as a secret: ${SET_AS_SECRET[key]}`,
        }));
}

/** Keys that are secrets but may not be: their values would go into plain state. */
function misplacedSecretProblems(secretKeys: ReadonlySet<string>): ConfigProblem[] {
    return [...secretKeys]
        .filter((key) => !SECRET_KEYS.has(key))
        .map((key) => ({
            key: keyOf([key]),
            message: `is a secret, but only ${[...SECRET_KEYS].join(", ")} may be: other values go into the job spec in plain state; put a job's secret variables under secretEnv.<job>.<VAR>`,
        }));
}

/**
 * Validates the raw configuration of one stack.
 *
 * @param raw top-level keys (without the namespace prefix) mapped to their parsed
 *   values, as Pulumi holds them: objects for structured values, strings otherwise.
 * @param stackName used in the error message only.
 * @param secretKeys the top-level keys the stack holds as secrets; when given, keys that
 *   must be secrets (registryPassword, secretEnv) are refused in plain text, and secrets
 *   anywhere else are refused.
 * @returns every component's arguments and the stack's settings.
 * @throws ConfigError listing every problem at once.
 */
export function validateStackConfig(
    raw: Record<string, unknown>,
    stackName?: string,
    secretKeys?: ReadonlySet<string>,
): StackConfig {
    const problems: ConfigProblem[] = [];
    if (secretKeys)
        problems.push(
            ...misplacedSecretProblems(secretKeys),
            ...plainSecretProblems(raw, secretKeys),
        );
    const { problems: found, data } = schemaProblems(stackSchema, raw, (path) =>
        SECRET_KEYS.has(String(path[0])),
    );
    problems.push(...mapped(found, (path) => path));
    const stack = data as z.output<typeof stackSchema> | undefined;
    // Each part is checked on its own, so one bad part does not hide another's problems.
    const rbac = sparkRbacProblems(rbacArgs(raw));
    problems.push(
        ...mapped(rbac.problems, (path) =>
            has(RBAC_KEYS, String(path[0]))
                ? [...RBAC_KEYS[String(path[0])], ...path.slice(1)]
                : undefined,
        ),
    );
    const image = isRecord(raw.image) ? jobImageProblems(imageArgs(raw)) : undefined;
    if (image) problems.push(...mapped(image.problems, imageKey));
    const secretEnv = stack?.secretEnv ?? secretEnvOf(raw.secretEnv);
    const jobs = isRecord(raw.jobs) ? raw.jobs : {};
    const checkedJobs = jobProblems(jobs, secretEnv);
    problems.push(...checkedJobs.problems);
    problems.push(...secretEnvProblems(secretEnv, jobs));
    problems.push(
        ...resultJobProblems(typeof raw.resultJob === "string" ? raw.resultJob : undefined, jobs),
    );
    problems.push(
        ...capacityProblems(
            capacitySchema.safeParse(rawAt(raw, ["cluster", "capacity"])).data,
            checkedJobs.valid,
        ),
    );
    problems.push(...sparkVersionProblems(image?.valid, checkedJobs.valid));
    problems.push(...observabilityJobProblems(stack?.observability, checkedJobs.valid));
    if (problems.length > 0 || !stack || !rbac.valid || !image?.valid)
        throw new ConfigError(dedupe(problems), stackName);
    return {
        cluster: stack.cluster,
        rbac: rbac.valid,
        image: imageArgsOf(image.valid),
        jobs: Object.entries(checkedJobs.valid).map(([name, settings]) => ({
            name,
            settings,
            ...(has(stack.secretEnv, name) ? { secretEnv: stack.secretEnv[name] } : {}),
        })),
        ...(stack.resultJob !== undefined ? { resultJob: stack.resultJob } : {}),
        ...(stack.observability !== undefined ? { observability: stack.observability } : {}),
        ...(stack.storeKeys !== undefined ? { storeKeys: stack.storeKeys } : {}),
    };
}

/**
 * JobImage's arguments from its validated settings. Mode `existing` keeps none of the build
 * settings the validation filled in: JobImage validates its arguments again, and refuses
 * build settings with an existing image.
 */
function imageArgsOf(image: JobImageSettings): JobImageSettings {
    if (image.mode !== "existing") return image;
    const { tag, baseImage, jars, context, dockerfile, platform, ...existing } = image;
    void [tag, baseImage, jars, context, dockerfile, platform];
    return existing as JobImageSettings;
}

/** The secret variables that are well-formed, when the rest of the configuration is not. */
function secretEnvOf(value: unknown): Record<string, Record<string, string>> {
    if (!isRecord(value)) return {};
    return Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, Record<string, string>] =>
            isRecord(entry[1]),
        ),
    );
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function dedupe(problems: readonly ConfigProblem[]): ConfigProblem[] {
    const seen = new Set<string>();
    return problems.filter((p) => {
        const id = `${p.key}\u0000${p.message}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
    });
}

/** The job whose result line is the stack output `result`, if any (see resultJob). */
export function resultJobOf(config: Pick<StackConfig, "jobs" | "resultJob">): string | undefined {
    if (config.resultJob !== undefined) return config.resultJob;
    const runsNow = config.jobs.filter((job) => job.settings.schedule === undefined);
    return runsNow.length === 1 ? runsNow[0].name : undefined;
}
