/**
 * Cron expressions as the CronJob controller parses them (the standard five fields,
 * or a macro), and IANA time zones. Pure: what the controller would refuse is found
 * here first, with the field and what it allows.
 */

/** The macros a CronJob's schedule accepts. */
export const CRON_MACROS = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
] as const;

interface CronField {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    /** Names allowed instead of numbers (JAN..DEC, SUN..SAT), lower-cased, from `min`. */
    readonly names?: readonly string[];
    /** Whether `?` may stand for `*` (day of month and day of week). */
    readonly question?: boolean;
}

const FIELDS: readonly CronField[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31, question: true },
    {
        name: "month",
        min: 1,
        max: 12,
        names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    },
    {
        name: "day of week",
        min: 0,
        max: 7,
        names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        question: true,
    },
];

function value(field: CronField, text: string): number | undefined {
    if (/^[0-9]+$/.test(text)) return Number(text);
    const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
    return index < 0 ? undefined : field.min + index;
}

/** What is wrong with one field of a cron expression, or undefined if it is fine. */
function fieldProblem(field: CronField, text: string): string | undefined {
    const range = `${field.min}-${field.max}${field.names ? ` or ${field.names[0].toUpperCase()}-${field.names[field.names.length - 1].toUpperCase()}` : ""}`;
    for (const part of text.split(",")) {
        const [span, step, ...extra] = part.split("/");
        if (extra.length > 0 || span === "")
            return `${field.name} '${text}': '${part}' is not a value, range or step`;
        if (step !== undefined && !(/^[0-9]+$/.test(step) && Number(step) > 0))
            return `${field.name} '${text}': the step '${step}' must be a whole number above 0`;
        if (span === "*" || (span === "?" && field.question)) continue;
        const [from, to, ...more] = span.split("-");
        const low = value(field, from);
        const high = to === undefined ? low : value(field, to);
        if (more.length > 0 || low === undefined || high === undefined)
            return `${field.name} '${text}': '${span}' is not a value or range (allowed: ${range}, *)`;
        if (low < field.min || high > field.max)
            return `${field.name} '${text}': ${low < field.min ? low : high} is out of range (allowed: ${range})`;
        if (low > high) return `${field.name} '${text}': the range '${span}' runs backwards`;
    }
    return undefined;
}

/**
 * What is wrong with a CronJob schedule, or undefined: five fields (minute, hour, day of
 * month, month, day of week) with values, ranges, lists and steps in their ranges, or a
 * macro such as `@daily`.
 */
export function cronProblem(expression: string): string | undefined {
    const text = expression.trim();
    if (text.startsWith("@")) {
        return (CRON_MACROS as readonly string[]).includes(text)
            ? undefined
            : `'${text}' is not a macro the CronJob controller knows (allowed: ${CRON_MACROS.join(", ")})`;
    }
    if (/^(CRON_)?TZ=/.test(text))
        return "a time zone inside the schedule is refused by Kubernetes: use the schedule's timeZone instead";
    const fields = text.split(/\s+/);
    if (fields.length !== FIELDS.length)
        return `has ${fields.length} field${fields.length === 1 ? "" : "s"}, needs five: minute hour day-of-month month day-of-week (e.g. "0 3 * * *") or a macro such as @daily`;
    for (const [i, field] of FIELDS.entries()) {
        const problem = fieldProblem(field, fields[i]);
        if (problem) return problem;
    }
    return undefined;
}

/** Whether the runtime's time-zone database knows an IANA zone name (e.g. Europe/Paris). */
export function isKnownTimeZone(zone: string): boolean {
    // Zone names are case-sensitive where the controller reads them (tzdata files); the
    // runtime's database would also take "europe/paris", "Local" or "+01:00".
    if (!/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(zone) || zone === "Local")
        return false;
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}
