/**
 * The package's Pulumi provider, for programs in any Pulumi language: it constructs the
 * components (SparkJob, SparkRbac, JobImage, SparkHistoryServer, SparkLogKeeper) and serves the run resources they register
 * (RunResult, JobRun, ImageBuild) as its own custom resources, with the implementations
 * a TypeScript program's dynamic resources run.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import { JobImage } from "../components/jobImage";
import { SparkHistoryServer } from "../components/sparkHistoryServer";
import { SparkJob } from "../components/sparkJob";
import { SparkLogKeeper } from "../components/sparkLogKeeper";
import { SparkRbac } from "../components/sparkRbac";
import { RunResourceProvider, RunResourceType, providers } from "../run/providers";
import { PLUGIN_TYPES } from "../run/resources";
import type { EngineLog } from "./engineLog";

/** The components, by their type tokens. */
export const COMPONENTS = {
    "pyspark-k8s:job:SparkJob": SparkJob,
    "pyspark-k8s:rbac:SparkRbac": SparkRbac,
    "pyspark-k8s:image:JobImage": JobImage,
    "pyspark-k8s:history:SparkHistoryServer": SparkHistoryServer,
    "pyspark-k8s:logs:SparkLogKeeper": SparkLogKeeper,
} as const;

/** The schema's shape, as far as the provider reads it. */
interface Schema {
    readonly version: string;
    readonly resources: Record<string, { readonly properties?: Record<string, unknown> }>;
}

/** The run resource a URN names, by its type. */
function runResourceOf(urn: string): RunResourceProvider<unknown, unknown> {
    const type = urn.split("::")[2]?.split("$").pop() ?? "";
    const entry = Object.entries(PLUGIN_TYPES).find(([, token]) => token === type);
    if (!entry) throw new Error(`pyspark-k8s: no resource of type '${type}' (urn ${urn})`);
    return providers[entry[0] as RunResourceType] as RunResourceProvider<unknown, unknown>;
}

/** The provider; `schemaText` is the package's generated schema (dist/schema.json). */
export class PluginProvider implements provider.Provider {
    public readonly version: string;
    private readonly parsed: Schema;

    constructor(
        public readonly schema: string,
        private readonly log: EngineLog,
    ) {
        this.parsed = JSON.parse(schema) as Schema;
        this.version = this.parsed.version;
    }

    /** Reads the schema shipped beside the compiled provider. */
    static schemaText(): string {
        return fs.readFileSync(path.join(__dirname, "..", "schema.json"), "utf8");
    }

    async construct(
        name: string,
        type: string,
        inputs: pulumi.Inputs,
        options: pulumi.ComponentResourceOptions,
    ): Promise<provider.ConstructResult> {
        if (!Object.prototype.hasOwnProperty.call(COMPONENTS, type))
            throw new Error(
                `pyspark-k8s: no component of type '${type}' (known: ${Object.keys(COMPONENTS).join(", ")})`,
            );
        // The inputs are the component's args, as the program wrote them.
        const Component = COMPONENTS[type as keyof typeof COMPONENTS] as new (
            name: string,
            args: unknown,
            opts: pulumi.ComponentResourceOptions,
        ) => pulumi.ComponentResource;
        const instance = new Component(name, inputs, options) as unknown as Record<string, unknown>;
        const outputs = Object.keys(this.parsed.resources[type]?.properties ?? {});
        return Promise.resolve({
            urn: (instance as unknown as pulumi.ComponentResource).urn,
            state: Object.fromEntries(outputs.map((key) => [key, instance[key]])),
        });
    }

    async create(urn: string, inputs: unknown): Promise<provider.CreateResult> {
        return runResourceOf(urn).create(inputs, (line) => this.log(urn, line));
    }

    async diff(
        id: string,
        urn: string,
        olds: unknown,
        news: unknown,
    ): Promise<provider.DiffResult> {
        return runResourceOf(urn).diff(id, olds, news);
    }

    async update(
        id: string,
        urn: string,
        olds: unknown,
        news: unknown,
    ): Promise<provider.UpdateResult> {
        const update = runResourceOf(urn).update;
        return update
            ? update(id, olds, news)
            : { outs: { ...(olds as object), ...(news as object) } };
    }

    async read(id: string, urn: string, props?: unknown): Promise<provider.ReadResult> {
        const read = runResourceOf(urn).read;
        if (!read || props === undefined) return { id, props };
        const found = await read(id, props);
        // Gone: an empty id drops the resource from the stack.
        return found === undefined ? { id: "", props: {} } : { id, props: found };
    }

    async delete(id: string, urn: string, props: unknown): Promise<void> {
        await runResourceOf(urn).delete?.(id, props, (line) => this.log(urn, line));
    }
}
