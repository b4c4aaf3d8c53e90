/**
 * Pulumi mocks that record what every resource receives: type, name, inputs, the
 * parent it was registered under, and the provider it was given.
 */
import * as pulumi from "@pulumi/pulumi";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as {
    MockMonitor: { prototype: { newUrn(parent: string, type: string, name: string): string } };
};

/** One registered resource as the engine would have seen it. */
export interface Registered {
    readonly type: string;
    readonly name: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly inputs: any;
    readonly provider?: string;
    /** The parent's URN ("" for none). */
    parentUrn: string;
    urn: string;
}

/** What a mock returns for a resource's outputs, beyond echoing its inputs. */
export type StateFor = (
    args: pulumi.runtime.MockResourceArgs,
) => Record<string, unknown> | undefined;

/** The DNS-style name Kubernetes autonaming would give (deterministic here). */
function autoName(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    if (!args.type.startsWith("kubernetes:")) return {};
    const metadata = { ...(args.inputs.metadata ?? {}) };
    if (!metadata.name) metadata.name = `${args.name}-abc123`;
    return { metadata };
}

/**
 * Installs mocks and returns the live list of registered resources.
 *
 * @param stateFor extra outputs per resource (e.g. a command's stdout).
 */
export function recordResources(
    stateFor: StateFor = () => undefined,
    project = "pyspark-k8s",
    stack = "test",
    preview = false,
): Registered[] {
    const registered: Registered[] = [];
    const original = MockMonitor.prototype.newUrn;
    MockMonitor.prototype.newUrn = function (parent: string, type: string, name: string): string {
        const urn = original.call(this, parent, type, name);
        const match = registered.find((r) => r.type === type && r.name === name && r.urn === "");
        if (match) {
            match.parentUrn = parent ?? "";
            match.urn = urn;
        }
        return urn;
    };
    void pulumi.runtime.setMocks(
        {
            newResource(args) {
                registered.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    provider: args.provider,
                    parentUrn: "",
                    urn: "",
                });
                return {
                    id: `${args.name}-id`,
                    state: { ...args.inputs, ...autoName(args), ...(stateFor(args) ?? {}) },
                };
            },
            call(args) {
                return args.inputs;
            },
        },
        project,
        stack,
        preview,
    );
    return registered;
}

/** The resolved value of an output (undefined if unknown, as in preview). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) =>
        pulumi.output(output).apply((value) => {
            resolve(value as T);
            return value;
        }),
    );
}

/** Whether an output is a secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/** Waits until every resource registration so far has been processed. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The single registered resource of a type (and optional name); fails otherwise. */
export function only(registered: readonly Registered[], type: string, name?: string): Registered {
    const found = registered.filter(
        (r) => r.type === type && (name === undefined || r.name === name),
    );
    if (found.length !== 1) {
        throw new Error(
            `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${registered.map((r) => `${r.type}/${r.name}`).join(", ")}`,
        );
    }
    return found[0];
}

/** The signature Pulumi's wire format puts on secret values. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** If `value` arrived as a secret, its plain value; otherwise undefined. */
export function secretValue(value: unknown): unknown {
    if (
        value &&
        typeof value === "object" &&
        (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
    ) {
        return (value as Record<string, unknown>).value;
    }
    return undefined;
}
