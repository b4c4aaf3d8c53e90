/**
 * Progress from the plugin to the person running `pulumi up`. The engine shows a
 * provider plugin's own output only in debug logs, so each line goes through the
 * engine's Log call instead, attached to the resource it is about.
 */
import * as path from "path";

/** Shows `message` under the resource `urn`. */
export type EngineLog = (urn: string, message: string) => void;

/** A logger talking to the engine at `address` (the plugin's first argument). */
export function engineLog(address: string): EngineLog {
    // The generated client and its gRPC library come with @pulumi/pulumi.
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    /* eslint-disable @typescript-eslint/no-require-imports */
    const grpc = require(
        require.resolve("@grpc/grpc-js", { paths: [sdk] }),
    ) as typeof import("@grpc/grpc-js");
    const service =
        require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
    const messages =
        require("@pulumi/pulumi/proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const client = new service.EngineClient(address, grpc.credentials.createInsecure());
    return (urn, message) => {
        const request = new messages.LogRequest()
            .setSeverity(messages.LogSeverity.INFO)
            .setMessage(message)
            .setUrn(urn);
        client.log(request, () => undefined);
    };
}
