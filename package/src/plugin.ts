/**
 * The plugin's entry point (package.json "main", which Pulumi's plugin runner loads):
 * serves the package's provider to the engine. Programs in TypeScript import the
 * package's "exports" instead (index.ts) and never load this.
 */
import * as provider from "@pulumi/pulumi/provider";
import { engineLog } from "./plugin/engineLog";
import { PluginProvider } from "./plugin/provider";
import { serveRunResourcesFromPlugin } from "./run/resources";
import { watchParent } from "./runner/parentWatch";

export = function servePlugin(): Promise<void> {
    // The engine's address comes last; flags such as --logtostderr may precede it.
    const args = process.argv.slice(2);
    const engine = args.filter((a) => !a.startsWith("-")).pop() ?? "";
    serveRunResourcesFromPlugin();
    // A killed `pulumi up` leaves nobody to serve: go with it.
    watchParent(() => process.exit(1));
    return provider.main(new PluginProvider(PluginProvider.schemaText(), engineLog(engine)), args);
};
