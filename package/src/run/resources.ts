/**
 * The run resources as a program registers them. Inside a TypeScript (or JavaScript)
 * program they are Node dynamic resources: the engine's dynamic-provider process runs
 * the implementation in providers.ts, loaded from this installed package by its name.
 * Inside this package's plugin (any other Pulumi language) they are custom resources of
 * the package itself, served by the same plugin (plugin/provider.ts). Either way the same
 * implementation runs, with the same progress and the same pass/fail.
 */
import * as pulumi from "@pulumi/pulumi";
import { runOutcomeSchema } from "../runner/protocol";
import type { RunResourceProvider, RunResourceType } from "./providers";

/** The module that exports the implementations, as the dynamic-provider process loads it. */
const IMPLEMENTATIONS = "@pyspark-k8s/pulumi/run";

/** Pulumi type tokens of the run resources when the plugin serves them. */
export const PLUGIN_TYPES: { readonly [T in RunResourceType]: string } = {
    RunResult: "pyspark-k8s:run:RunResult",
    JobRun: "pyspark-k8s:run:JobRun",
    ImageBuild: "pyspark-k8s:image:ImageBuild",
};

let servedByPlugin = false;

/** Called once by the plugin: from now on the run resources are the plugin's own. */
export function serveRunResourcesFromPlugin(): void {
    servedByPlugin = true;
}

/**
 * A dynamic provider that delegates to the installed package. It is serialized into the
 * state and run in the engine's Node dynamic-provider process, so it captures nothing but
 * strings and loads the implementation there.
 */
export function dynamicProvider(type: RunResourceType): pulumi.dynamic.ResourceProvider {
    // Inputs and outputs differ per type; the engine hands them over untyped anyway.
    type Untyped = RunResourceProvider<unknown, unknown>;
    const impl = (): Untyped =>
        // Loaded by name where the provider runs, not captured from this process.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require(IMPLEMENTATIONS) as typeof import("./providers")).providers[type] as Untyped;
    const show = (line: string) => console.error(line);
    // The engine adds the serialized provider itself (`__provider`): not the resource's own.
    const own = (props: unknown): Record<string, unknown> => {
        const { __provider: _provider, ...rest } = (props ?? {}) as Record<string, unknown>;
        void _provider;
        return rest;
    };
    return {
        create: (inputs) => impl().create(own(inputs), show),
        diff: (id, olds, news) => impl().diff(id, own(olds), own(news)),
        update: (id, olds, news) =>
            impl().update?.(id, own(olds), own(news)) ??
            Promise.resolve({ outs: { ...own(olds), ...own(news) } }),
        read: async (id, props) => {
            const read = impl().read;
            if (!read) return { id, props: props as unknown };
            const found: unknown = await read(id, own(props));
            // Gone: an empty id drops the resource from the stack.
            return found ? { id, props: found } : { id: "", props: {} };
        },
        delete: async (id, props) => {
            await impl().delete?.(id, own(props), show);
        },
    };
}

/** A run resource served by the package's plugin. */
class PluginRunResource extends pulumi.CustomResource {}

/** A run resource served by the engine's Node dynamic-provider process. */
class DynamicRunResource extends pulumi.dynamic.Resource {}

/** A registered run resource with its recorded outputs as properties. */
export type RunResource<O> = pulumi.CustomResource & {
    readonly [K in keyof O]-?: pulumi.Output<O[K]>;
};

/**
 * Registers one run resource: `inputs` go in, the properties named `outputs` come back
 * filled in by the implementation.
 */
export function runResource<O extends object>(
    type: RunResourceType,
    name: string,
    inputs: pulumi.Inputs,
    outputs: readonly (keyof O & string)[],
    opts: pulumi.CustomResourceOptions,
): RunResource<O> {
    // Outputs that are not inputs start unknown; those that are (a run's name) keep their input.
    const props = { ...Object.fromEntries(outputs.map((key) => [key, undefined])), ...inputs };
    const resource = servedByPlugin
        ? new PluginRunResource(PLUGIN_TYPES[type], name, props, opts)
        : new DynamicRunResource(dynamicProvider(type), name, props, opts, "pyspark-k8s", type);
    return resource as RunResource<O>;
}

/** The outputs every run resource records about the run it made or followed. */
export const RUN_OUTCOME_KEYS = Object.keys(
    runOutcomeSchema.shape,
) as (keyof typeof runOutcomeSchema.shape)[];
