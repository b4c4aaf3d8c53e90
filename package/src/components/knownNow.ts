/**
 * Whether a component's argument is known when the component is constructed: nothing in
 * it is an Output or a Promise still to resolve. Known arguments are validated at once,
 * before any child resource exists; the rest when they resolve, before any child that
 * depends on them is created.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "../lib/problems";

export function knownNow(value: unknown): boolean {
    if (pulumi.Output.isInstance(value)) return false;
    if (value !== null && typeof value === "object") {
        if (typeof (value as { then?: unknown }).then === "function") return false;
        return Object.values(value).every(knownNow);
    }
    return true;
}

/**
 * The problems of the arguments known now, found before any child exists. Arguments still
 * to come are replaced by a valid stand-in of their kind (or left out) and the problems
 * found at them dropped: they are checked again when they resolve.
 */
export function problemsKnownNow(
    check: (args: Record<string, unknown>) => { problems: Problem[] },
    args: object,
    standIns: Readonly<Record<string, unknown>>,
): Problem[] {
    const known: Record<string, unknown> = {};
    const pending = new Set<string>();
    for (const [key, value] of Object.entries(args)) {
        if (knownNow(value)) known[key] = value;
        else {
            pending.add(key);
            if (Object.prototype.hasOwnProperty.call(standIns, key)) known[key] = standIns[key];
        }
    }
    return check(known).problems.filter((p) => !pending.has(String(p.path[0])));
}

/**
 * A component's arguments as `check` validates them (it throws on bad input): at once
 * when they are all known now, so that nothing is created; otherwise when they resolve,
 * before any child that depends on them.
 */
export function validatedNowOrLater<T>(args: object, check: (raw: object) => T): pulumi.Output<T> {
    // Settings are plain values, so the Output holds exactly what `check` returned.
    return knownNow(args)
        ? (pulumi.output(check(args)) as pulumi.Output<T>)
        : pulumi.output(args).apply((raw) => check(raw));
}

/** What stands for store keys among the arguments validated: their values stay out of them. */
export const SECRET_KEYS_STANDIN = { accessKeyId: "[secret]", secretAccessKey: "[secret]" };
