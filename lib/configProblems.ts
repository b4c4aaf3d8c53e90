/**
 * Configuration problems: what one is (key, value, message), the single error that lists
 * them all, and how a schema path becomes a config key. Pure.
 */
import { CONFIG_NAMESPACE } from "./configSchema";

/** One problem found in the configuration. */
export interface ConfigProblem {
    /** Full config key, e.g. `pyspark-k8s:jobs.pi.executor.instances`. */
    readonly key: string;
    /** The offending value as written in the stack, if there was one. */
    readonly value?: unknown;
    /** What is wrong and what is allowed. */
    readonly message: string;
}

/** Thrown when the stack configuration is invalid; lists every problem. */
export class ConfigError extends Error {
    constructor(
        readonly problems: readonly ConfigProblem[],
        stackName?: string,
    ) {
        super(formatProblems(problems, stackName));
        this.name = "ConfigError";
    }
}

function formatProblems(problems: readonly ConfigProblem[], stackName?: string): string {
    const where = stackName ? ` of stack '${stackName}'` : "";
    const lines = problems.map((p) => {
        const got = p.value === undefined ? "" : ` (got ${JSON.stringify(p.value)})`;
        return `  - ${p.key}: ${p.message}${got}`;
    });
    return `invalid configuration${where}: ${problems.length} problem${problems.length === 1 ? "" : "s"}, nothing was created:\n${lines.join("\n")}`;
}

/** The value at `path`; a shorthand string (a cron for a schedule) stands for its object. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let node: unknown = root;
    for (const part of path) {
        if (typeof node === "string" && node !== root) return node;
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<PropertyKey, unknown>)[part];
    }
    return node;
}

export function keyOf(path: readonly PropertyKey[]): string {
    return `${CONFIG_NAMESPACE}:${path.map(String).join(".")}`;
}
