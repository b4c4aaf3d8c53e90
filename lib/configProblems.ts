/**
 * Configuration problems: what one is (key, value, message), the single error that lists
 * them all, and how a schema path becomes a config key. Pure.
 */
import { ArgPath, pathText } from "@pyspark-k8s/pulumi";
import { CONFIG_NAMESPACE } from "./stackSchema";

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

/** The full config key of a path under the project's namespace: `pyspark-k8s:jobs.pi.args[0]`. */
export function keyOf(path: ArgPath): string {
    return `${CONFIG_NAMESPACE}:${pathText(path)}`;
}
