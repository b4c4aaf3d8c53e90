/**
 * The dynamic provider a TypeScript program's run resources get: it hands the package's
 * implementation the resource's own properties, never the serialized provider the engine
 * adds to them (the runner's strict request schema refuses that key).
 */
const received: unknown[] = [];
jest.mock("@pyspark-k8s/pulumi/run", () => ({
    providers: {
        RunResult: {
            create: (inputs: unknown) => {
                received.push(inputs);
                return Promise.resolve({ id: "x", outs: inputs });
            },
            diff: (_id: string, olds: unknown, news: unknown) => {
                received.push(olds, news);
                return Promise.resolve({ changes: false, replaces: [] });
            },
            read: (_id: string, props: unknown) => {
                received.push(props);
                return Promise.resolve(props);
            },
        },
    },
}));
import { dynamicProvider } from "../src/run/resources";

describe("the run resources' dynamic provider", () => {
    beforeEach(() => received.splice(0));
    const withProvider = { job: "pi", __provider: "exports.handler = ..." };

    it.each([
        ["create", () => dynamicProvider("RunResult").create(withProvider)],
        ["diff", () => dynamicProvider("RunResult").diff!("id", withProvider, withProvider)],
        ["read", () => dynamicProvider("RunResult").read!("id", withProvider)],
    ])("%s passes the resource's own properties only", async (_what, call) => {
        await call();
        expect(received.length).toBeGreaterThan(0);
        for (const props of received) expect(props).toEqual({ job: "pi" });
    });
});
