/**
 * Problems with arguments: what one is (where, the bad value, what is allowed), how a
 * zod schema's issues become problems, and the single error that lists them all. Pure.
 */
import { z } from "zod";
import { recordValueSchema } from "./records";

/** Where in the arguments: property names and array indexes, outermost first. */
export type ArgPath = readonly (string | number)[];

/** One problem found in a component's arguments (or a stack's configuration). */
export interface Problem {
    readonly path: ArgPath;
    /** The offending value as given, if there was one; `[secret]` for a secret. */
    readonly value?: unknown;
    /** What is wrong and what is allowed. */
    readonly message: string;
}

/** A path as people write it: `executor.instances`, `tolerations[0].effect`. */
export function pathText(path: ArgPath): string {
    return path
        .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`))
        .join("");
}

/** One problem as a line of an error message. */
export function problemLine(where: string, problem: Problem): string {
    const got = problem.value === undefined ? "" : ` (got ${JSON.stringify(problem.value)})`;
    return `  - ${where}: ${problem.message}${got}`;
}

/**
 * A component's arguments are invalid: thrown by its constructor before it creates
 * anything. A Pulumi RunError at heart, so the engine shows the message without a stack.
 */
export class InvalidArgumentsError extends Error {
    /** The engine prints RunErrors without a stack trace. */
    public readonly __pulumiRunError = true;
    constructor(
        readonly component: string,
        readonly resourceName: string,
        readonly problems: readonly Problem[],
    ) {
        super(
            `${component} '${resourceName}': ${problems.length} invalid argument${problems.length === 1 ? "" : "s"}, nothing was created:\n` +
                problems.map((p) => problemLine(pathText(p.path), p)).join("\n"),
        );
        this.name = "InvalidArgumentsError";
    }
}

/** The value at `path`; a shorthand string (a cron for a schedule) stands for its object. */
export function valueAt(root: unknown, path: ArgPath): unknown {
    let node: unknown = root;
    for (const part of path) {
        if (typeof node === "string" && node !== root) return node;
        if (node === null || typeof node !== "object") return undefined;
        if (!Object.prototype.hasOwnProperty.call(node, part)) return undefined;
        node = (node as Record<PropertyKey, unknown>)[part];
    }
    return node;
}

/** The schema a zod schema wraps (defaults, optionals, pipes), down to what it checks. */
function unwrap(schema: z.ZodType): z.ZodType {
    let s = schema;
    for (;;) {
        const def = (
            s as unknown as {
                _zod: {
                    def: { type: string; innerType?: z.ZodType; out?: z.ZodType; in?: z.ZodType };
                };
            }
        )._zod.def;
        if (
            (def.type === "default" ||
                def.type === "prefault" ||
                def.type === "optional" ||
                def.type === "nullable") &&
            def.innerType
        )
            s = def.innerType;
        else if (def.type === "pipe" && def.out && def.in)
            // A preprocess pipes into the real schema; a transform pipes out of it.
            s = unwrap(def.in)._zod.def.type === "transform" ? def.out : def.in;
        else return s;
    }
}

/**
 * The keys a strict object of the schema accepts at `path` (map keys such as a job's name
 * count as one step), for "allowed here" hints; undefined where the schema has no single
 * object there.
 */
export function allowedKeysAt(schema: z.ZodType, path: ArgPath): string[] | undefined {
    let node: z.ZodType = schema;
    for (const part of path) {
        const s = unwrap(node);
        if (s instanceof z.ZodObject) {
            const shape = s.shape as Record<string, z.ZodType>;
            if (!Object.prototype.hasOwnProperty.call(shape, part)) return undefined;
            node = shape[String(part)];
        } else if (recordValueSchema(node) ?? recordValueSchema(s)) {
            node = (recordValueSchema(node) ?? recordValueSchema(s))!;
        } else if (s instanceof z.ZodArray) {
            node = s._zod.def.element as z.ZodType;
        } else {
            return undefined;
        }
    }
    const s = unwrap(node);
    return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
}

/**
 * The problems zod found in `raw` against `schema`, each with its path, the bad value
 * (`[secret]` under a secret path) and the message; unknown keys name the allowed ones.
 */
export function schemaProblems(
    schema: z.ZodType,
    raw: unknown,
    isSecretPath: (path: ArgPath) => boolean = () => false,
): { problems: Problem[]; data?: unknown } {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return { problems: [], data: parsed.data };
    const problems: Problem[] = [];
    for (const issue of parsed.error.issues) {
        const path = issue.path as (string | number)[];
        if (issue.code === "unrecognized_keys") {
            for (const key of issue.keys) {
                const allowed = allowedKeysAt(schema, path);
                problems.push({
                    path: [...path, key],
                    message: `is not a known setting${allowed ? `; allowed here: ${allowed.join(", ")}` : ""}`,
                });
            }
            continue;
        }
        if (issue.code === "invalid_key") {
            // A bad map key (job name, label key, variable name): report the key itself.
            const key = path[path.length - 1];
            for (const inner of issue.issues)
                problems.push({ path, value: key, message: `bad name: ${inner.message}` });
            continue;
        }
        const value = isSecretPath(path) ? "[secret]" : valueAt(raw, path);
        problems.push({ path, value, message: issue.message });
    }
    return { problems };
}
