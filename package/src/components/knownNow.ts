/**
 * Whether a component's argument is known when the component is constructed: nothing in
 * it is an Output or a Promise still to resolve. Known arguments are validated at once,
 * before any child resource exists; the rest when they resolve, before any child that
 * depends on them is created.
 */
import * as pulumi from "@pulumi/pulumi";

export function knownNow(value: unknown): boolean {
    if (pulumi.Output.isInstance(value)) return false;
    if (value !== null && typeof value === "object") {
        if (typeof (value as { then?: unknown }).then === "function") return false;
        return Object.values(value).every(knownNow);
    }
    return true;
}
