/**
 * Pulumi mocks that record what every resource receives: type, name, inputs, the
 * parent it was registered under, the provider it was given and the resources it was
 * told to depend on.
 *
 * Only public SDK interfaces: `pulumi.runtime.setMocks` answers registrations and sees
 * type, name, inputs and provider; a stack transformation
 * (`pulumi.runtime.registerStackTransformation`) sees each resource as it is constructed,
 * with its options (`parent`, `dependsOn`), inside a stack that `runStack` opens
 * (`pulumi.runtime.runInPulumiStack`), as `pulumi up` runs a program. The mocks'
 * `MockResourceArgs` carry neither the parent nor the dependencies.
 */
import * as pulumi from "@pulumi/pulumi";

/** One registered resource as the engine would have seen it. */
export interface Registered {
    readonly type: string;
    readonly name: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly inputs: any;
    readonly provider?: string;
    /**
     * The parent's URN: the stack's for a resource without `opts.parent`; "" if the
     * resource was not constructed in a stack of `runStack`.
     */
    parentUrn: string;
    /**
     * The URNs of the resources in its `dependsOn` option, as constructed (not the
     * component's children the SDK expands them to); empty without the option.
     */
    dependsOn: string[];
    /** Its own URN, once its registration has been answered (after `settle()`). */
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

/** A resource as the stack transformation saw it constructed. */
interface Constructed {
    readonly type: string;
    readonly name: string;
    readonly resource: pulumi.Resource;
    readonly opts: pulumi.ResourceOptions;
    /** `opts.parent`, or else the stack it was constructed in. */
    readonly parent: pulumi.Resource | undefined;
    /** Whether its registration has reached the mocks yet. */
    claimed: boolean;
}

/** Every resource constructed in a stack of `runStack`, in order. */
const constructed: Constructed[] = [];

/** The recording of registered resources' own URNs, which the mocks answer after `newResource`. */
const urnsToCome: Promise<void>[] = [];

/** The stack transformation that records each resource and its options, unchanged. */
const recordConstruction: pulumi.ResourceTransformation = ({ resource, type, name, opts }) => {
    const parent = opts.parent ?? pulumi.runtime.getStackResource();
    constructed.push({ type, name, resource, opts, parent, claimed: false });
    return undefined;
};

/** The resources a `dependsOn` option names (a resource, a list, a promise or an output of those). */
async function dependencies(dependsOn: unknown): Promise<pulumi.Resource[]> {
    if (dependsOn === undefined || dependsOn === null) return [];
    if (pulumi.Output.isInstance(dependsOn)) return dependencies(await valueOf(dependsOn));
    const value: unknown = dependsOn instanceof Promise ? await dependsOn : dependsOn;
    if (Array.isArray(value)) return (await Promise.all(value.map(dependencies))).flat();
    return [value as pulumi.Resource];
}

/**
 * Installs mocks and returns the live list of registered resources (in the order the
 * registrations reach the mocks; the stack resource itself is left out).
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
    void pulumi.runtime.setMocks(
        {
            async newResource(args) {
                const state = { ...args.inputs, ...autoName(args), ...(stateFor(args) ?? {}) };
                if (args.type === pulumi.runtime.rootPulumiStackTypeName)
                    return { id: undefined, state };
                const entry: Registered = {
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    provider: args.provider,
                    parentUrn: "",
                    dependsOn: [],
                    urn: "",
                };
                registered.push(entry);
                // The construction this registration comes from: the first of its type and
                // name not yet registered (the SDK registers a resource after constructing it).
                const from = constructed.find(
                    (c) => !c.claimed && c.type === args.type && c.name === args.name,
                );
                if (from) {
                    from.claimed = true;
                    // The SDK sends a registration once the parent's URN is known (and the
                    // dependencies' resources registered), so these resolve without waiting on
                    // this one; its registration, and so each of its outputs, completes after
                    // they are recorded.
                    if (from.parent) entry.parentUrn = await valueOf(from.parent.urn);
                    for (const dependency of await dependencies(from.opts.dependsOn))
                        entry.dependsOn.push(await valueOf(dependency.urn));
                    urnsToCome.push(
                        valueOf(from.resource.urn).then((urn) => void (entry.urn = urn)),
                    );
                }
                return { id: `${args.name}-id`, state };
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

/** What a program exports. */
type Exports = Record<string, unknown> | undefined;

/**
 * Runs `init` as the program of a Pulumi stack, as `pulumi up` does, with every resource
 * it constructs (and any resource constructed later without a parent) recorded: the
 * stack stays the root. Resolves to the stack's outputs (what `init` returns, resolved)
 * once every resource constructed so far is registered. Install the mocks first.
 */
export async function runStack(
    init: () => Exports | Promise<Exports> = () => undefined,
): Promise<Record<string, unknown>> {
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(recordConstruction);
        return await init();
    });
    await settle();
    return (outputs ?? {}) as Record<string, unknown>;
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

/**
 * Waits until every resource constructed so far in a stack of `runStack` is registered:
 * awaits each one's URN (the answer to its registration), and those of any resources
 * constructed meanwhile, and has each one's `urn` recorded.
 */
export async function settle(): Promise<void> {
    for (let seen = 0; seen < constructed.length;) {
        const batch = constructed.slice(seen);
        seen = constructed.length;
        await Promise.all(batch.map((c) => valueOf(c.resource.urn)));
    }
    await Promise.all(urnsToCome.splice(0));
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
