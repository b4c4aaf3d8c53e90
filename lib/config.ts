/**
 * Stack configuration: validation of the whole of it at once. `validateStackConfig`
 * throws a single {@link ConfigError} listing every problem (key, bad value, what is
 * allowed) before any resource is registered, so bad input never creates half a
 * deployment. The schema is in configSchema.ts, the problems in configProblems.ts and
 * the pod-size arithmetic in podSize.ts.
 */
import { ConfigError, ConfigProblem, keyOf, valueAt } from "./configProblems";
import {
    CONFIG_NAMESPACE,
    DEFAULT_BASE_IMAGE,
    DEFAULT_SPARK_VERSION,
    SECRET_KEYS,
    StackConfig,
    allowedKeysAt,
    stackSchema,
} from "./configSchema";
import { capacityProblems } from "./podSize";

export * from "./configProblems";
export * from "./configSchema";
export * from "./podSize";

/**
 * Validates the raw configuration of one stack.
 *
 * @param raw top-level keys (without the namespace prefix) mapped to their parsed
 *   values, as Pulumi holds them: objects for structured values, strings otherwise.
 * @param stackName used in the error message only.
 * @param secretKeys the top-level keys the stack holds as secrets; when given, keys that
 *   must be secrets (registryPassword, secretEnv) are refused in plain text.
 * @returns the configuration with defaults filled in.
 * @throws ConfigError listing every problem at once.
 */
export function validateStackConfig(
    raw: Record<string, unknown>,
    stackName?: string,
    secretKeys?: ReadonlySet<string>,
): StackConfig {
    const problems: ConfigProblem[] = [];
    const parsed = stackSchema.safeParse(raw);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const key of issue.keys) {
                    const allowed = allowedKeysAt(issue.path);
                    problems.push({
                        key: keyOf([...issue.path, key]),
                        message: `is not a known setting${allowed ? `; allowed here: ${allowed.join(", ")}` : ""}`,
                    });
                }
                continue;
            }
            if (issue.code === "invalid_key") {
                // A bad map key (job name, label key, env name): report the key's own problems.
                const key = issue.path[issue.path.length - 1];
                for (const inner of issue.issues)
                    problems.push({
                        key: keyOf(issue.path),
                        value: key,
                        message: `bad name: ${inner.message}`,
                    });
                continue;
            }
            const value = SECRET_KEYS.has(String(issue.path[0]))
                ? "[secret]"
                : valueAt(raw, issue.path);
            problems.push({ key: keyOf(issue.path), value, message: issue.message });
        }
    }
    if (secretKeys) problems.push(...plainSecretProblems(raw, secretKeys));
    const config = parsed.success ? withDefaultSparkVersion(parsed.data) : undefined;
    if (problems.length === 0 && config) {
        problems.push(...capacityProblems(config));
        problems.push(...credentialProblems(config));
        problems.push(...sparkVersionProblems(config));
        problems.push(...secretEnvProblems(config));
        problems.push(...resultJobProblems(config));
    }
    if (problems.length > 0 || !config) throw new ConfigError(problems, stackName);
    return config;
}

/** The default base image declares its Spark version; any other image declares its own. */
function withDefaultSparkVersion(config: StackConfig): StackConfig {
    const image = config.image;
    if (
        image.mode === "existing" ||
        image.sparkVersion !== undefined ||
        image.baseImage !== DEFAULT_BASE_IMAGE
    ) {
        return config;
    }
    return { ...config, image: { ...image, sparkVersion: DEFAULT_SPARK_VERSION } };
}

/** The local submitter checks the deployer's spark-submit against the image's Spark. */
function sparkVersionProblems(config: StackConfig): ConfigProblem[] {
    if (config.image.sparkVersion !== undefined) return [];
    return Object.entries(config.jobs)
        .filter(([, job]) => job.submitter === "local")
        .map(([name]) => ({
            key: keyOf(["image", "sparkVersion"]),
            message: `is required by job '${name}' (submitter 'local'): the deployer's spark-submit must match the image's Spark, and this says which that is (e.g. 3.5.7)`,
        }));
}

function credentialProblems(config: StackConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const hasUser = config.registryUsername !== undefined;
    const hasPassword = config.registryPassword !== undefined;
    if (hasUser !== hasPassword) {
        problems.push({
            key: keyOf([hasUser ? "registryPassword" : "registryUsername"]),
            message:
                "registryUsername and registryPassword go together: set both (the password as a secret) or neither",
        });
    }
    if (hasUser && config.image.mode === "existing") {
        problems.push({
            key: keyOf(["registryUsername"]),
            message:
                "is only used when the image is built (image.mode 'docker' or 'cli'); remove it for mode 'existing'",
        });
    }
    return problems;
}

/** How to set each must-be-secret key as a secret. */
const SET_AS_SECRET: Record<string, string> = {
    registryPassword: `pulumi config set --secret ${CONFIG_NAMESPACE}:registryPassword <password>`,
    secretEnv: `pulumi config set --secret --path '${CONFIG_NAMESPACE}:secretEnv.<job>.<VAR>' <value>`,
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

/** Secret environment variables must belong to a job and not clash with its other variables. */
function secretEnvProblems(config: StackConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const jobNames = Object.keys(config.jobs);
    for (const [job, vars] of Object.entries(config.secretEnv)) {
        const settings = config.jobs[job];
        if (settings === undefined) {
            problems.push({
                key: keyOf(["secretEnv", job]),
                message: `names no job; jobs here: ${jobNames.join(", ")}`,
            });
            continue;
        }
        for (const name of Object.keys(vars)) {
            const clash =
                name in settings.env
                    ? "env"
                    : name in settings.secretKeyRefs
                      ? "secretKeyRefs"
                      : "";
            if (clash)
                problems.push({
                    key: keyOf(["secretEnv", job, name]),
                    message: `is also set in jobs.${job}.${clash}; set each variable in one place`,
                });
        }
    }
    for (const [job, settings] of Object.entries(config.jobs)) {
        for (const name of Object.keys(settings.secretKeyRefs)) {
            if (name in settings.env)
                problems.push({
                    key: keyOf(["jobs", job, "secretKeyRefs", name]),
                    message: `is also set in jobs.${job}.env; set each variable in one place`,
                });
        }
    }
    return problems;
}

/** `resultJob` names a job that runs during `pulumi up`. */
function resultJobProblems(config: StackConfig): ConfigProblem[] {
    const name = config.resultJob;
    if (name === undefined) return [];
    const job = config.jobs[name];
    if (job === undefined)
        return [
            {
                key: keyOf(["resultJob"]),
                value: name,
                message: `names no job; jobs here: ${Object.keys(config.jobs).join(", ")}`,
            },
        ];
    if (job.schedule !== undefined)
        return [
            {
                key: keyOf(["resultJob"]),
                value: name,
                message: "names a scheduled job, which does not run during pulumi up",
            },
        ];
    return [];
}

/** The job whose result line is the stack output `result`, if any (see resultJob). */
export function resultJobOf(config: StackConfig): string | undefined {
    if (config.resultJob !== undefined) return config.resultJob;
    const runsNow = Object.entries(config.jobs).filter(([, job]) => job.schedule === undefined);
    return runsNow.length === 1 ? runsNow[0][0] : undefined;
}
