/**
 * Maps from names to values in a schema (jobs by name, variables, labels, volumes), for
 * any name a person may choose: zod's own record refuses an object with a key such as
 * `constructor`, and plain assignment would turn a key `__proto__` into a prototype.
 * Pure.
 */
import { z } from "zod";

/** The value schema of each map schema, for "allowed here" hints below a map key. */
const VALUES = new WeakMap<z.ZodType, z.ZodType>();

/** The schema of a map's values, if `schema` is a map made by {@link recordOf}. */
export function recordValueSchema(schema: z.ZodType): z.ZodType | undefined {
    return VALUES.get(schema);
}

/** A map whose keys pass `key` and whose values pass `value`; every bad entry is reported. */
export function recordOf<K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V) {
    const schema = z
        .custom<Record<string, z.input<V>>>(
            (input) => input !== null && typeof input === "object" && !Array.isArray(input),
            { message: "must be a map of names to values" },
        )
        .transform((input, ctx) => {
            const output: Record<string, z.output<V>> = {};
            for (const [name, item] of Object.entries(input)) {
                const named = key.safeParse(name);
                if (!named.success)
                    ctx.addIssue({
                        code: "invalid_key",
                        origin: "record",
                        issues: named.error.issues,
                        input: name,
                        path: [name],
                    });
                const parsed = value.safeParse(item);
                if (!parsed.success) {
                    for (const issue of parsed.error.issues)
                        ctx.addIssue({ ...issue, path: [name, ...issue.path] });
                    continue;
                }
                // A data property even for `__proto__`: never a prototype.
                Object.defineProperty(output, name, {
                    value: parsed.data,
                    enumerable: true,
                    writable: true,
                    configurable: true,
                });
            }
            return output;
        });
    VALUES.set(schema, value);
    return schema;
}
