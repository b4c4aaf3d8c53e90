/**
 * The run resources' behaviour as the engine drives it (run/providers.ts): diffs decide
 * what re-runs, rebuilds or re-attaches; RunResult's create and read go through the real
 * runner to a stand-in API server.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { imageBuild, jobRun, runResult } from "../src/run/providers";
import { FakeApi, RUN, attachRequest, clusterRun } from "./fixtures/fakeApi";
import { piSpec } from "./fixtures/specs";

const attach = {
    job: "pi",
    namespace: "spark",
    runName: RUN,
    runUid: "uid-1",
    resultPattern: "Pi is roughly [0-9.]+",
    startTimeoutSeconds: 120,
    runTimeoutSeconds: 600,
    apiRetrySeconds: 120,
    cluster: { kubeconfig: "/k", context: "c" },
};
const outcome = {
    runName: RUN,
    namespace: "spark",
    driverPod: `${RUN}-x7k2p`,
    exitCode: 0,
    durationSeconds: 14,
    result: "Pi is roughly 3.14",
    executorsStarted: 2,
    attempts: 1,
    appId: "spark-0123456789abcdef0123456789abcdef",
};
const recorded = { ...attach, ...outcome };

describe("RunResult", () => {
    it("changes nothing for the same run", async () => {
        expect(await runResult.diff("id", recorded, attach)).toEqual({
            changes: false,
            replaces: [],
        });
    });

    it.each([
        ["runUid", { runUid: "uid-2" }],
        ["runName", { runName: "pi-9z8y7x6w" }],
        ["resultPattern", { resultPattern: "^Pi.*" }],
    ])(
        "re-attaches (replaces) when %s changes: another run, or another reading of its log",
        async (key, change) => {
            expect(await runResult.diff("id", recorded, { ...attach, ...change })).toEqual({
                changes: true,
                replaces: [key],
            });
        },
    );

    it("only updates for timeouts and API settings: a finished run is not followed again", async () => {
        expect(
            await runResult.diff("id", recorded, {
                ...attach,
                startTimeoutSeconds: 60,
                apiRetrySeconds: 30,
            }),
        ).toEqual({
            changes: true,
            replaces: [],
        });
        expect(
            (await runResult.update!("id", recorded, { ...attach, apiRetrySeconds: 30 })).outs,
        ).toEqual({
            ...recorded,
            apiRetrySeconds: 30,
        });
    });

    describe("create and read, through the runner, against a stand-in API server", () => {
        let api: FakeApi;
        const saved = { ...process.env };
        afterEach(async () => {
            process.env = { ...saved };
            await api.stop();
        });

        it("create follows the run to its outcome and records it with the run it followed", async () => {
            api = new FakeApi({ exitCode: 0, reason: "Completed", log: "Pi is roughly 3.14159\n" });
            await api.start();
            clusterRun(api);
            const request = attachRequest(api);
            const progress: string[] = [];
            const created = await runResult.create(request, (line) => progress.push(line));
            expect(created.id).toBe(`spark/${RUN}`);
            expect(created.outs).toEqual({
                ...request,
                runName: RUN,
                namespace: "spark",
                driverPod: `${RUN}-x1`,
                exitCode: 0,
                durationSeconds: 14,
                result: "Pi is roughly 3.14159",
                executorsStarted: 0,
                attempts: 1,
                appId: "",
            });
            expect(progress).toContain(`[jobrun] job pi: succeeded in 14s: Pi is roughly 3.14159`);
        });

        it("read keeps a run whose Job is there, and drops one whose Job is gone or is another", async () => {
            api = new FakeApi({ exitCode: 0, reason: "Completed", log: "" });
            await api.start();
            clusterRun(api);
            const props = { ...attachRequest(api), ...outcome };
            expect(await runResult.read!("id", props)).toEqual(props);
            expect(await runResult.read!("id", { ...props, runUid: "another" })).toBeUndefined();
            api.stores.jobs.clear();
            expect(await runResult.read!("id", props)).toBeUndefined();
        });
    });
});

describe("JobRun", () => {
    const spec = piSpec();
    const olds = { spec, runKey: "pi-aaaa", ...outcome };

    it("changes nothing when what runs is the same", async () => {
        expect(await jobRun.diff("id", olds, { spec, runKey: "pi-aaaa" })).toEqual({
            changes: false,
            replaces: [],
            deleteBeforeReplace: true,
        });
    });

    it("re-runs (replaces, deleting the old run first) when the run's identity changes", async () => {
        expect(
            await jobRun.diff("id", olds, { spec: piSpec({ args: ["3"] }), runKey: "pi-bbbb" }),
        ).toEqual({
            changes: true,
            replaces: ["runKey"],
            deleteBeforeReplace: true,
        });
    });

    it("updates, without a run, for a setting that does not re-run (a timeout)", async () => {
        const news = { spec: piSpec({ runTimeoutSeconds: 900 }), runKey: "pi-aaaa" };
        expect(await jobRun.diff("id", olds, news)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        expect((await jobRun.update!("id", olds, news)).outs).toEqual({ ...olds, ...news });
    });
});

describe("ImageBuild", () => {
    const inputs = {
        imageName: "r/j:t",
        context: "app",
        dockerfile: "app/Dockerfile",
        baseImage: "b",
        jars: "",
        platform: "linux/amd64",
        registry: "r",
        contextHash: "h1",
    };

    it("rebuilds when the app's files change", async () => {
        expect(
            await imageBuild.diff(
                "id",
                { ...inputs, imageRef: "x" },
                { ...inputs, contextHash: "h2" },
            ),
        ).toEqual({
            changes: true,
            replaces: ["contextHash"],
        });
    });

    it("rebuilds when the list of jars changes", async () => {
        expect(
            await imageBuild.diff(
                "id",
                { ...inputs, imageRef: "x" },
                { ...inputs, jars: "org.apache.hadoop:hadoop-aws:3.3.4" },
            ),
        ).toEqual({ changes: true, replaces: ["jars"] });
    });

    it("does not rebuild for a new registry password (it is never recorded)", async () => {
        expect(
            await imageBuild.diff(
                "id",
                { ...inputs, imageRef: "x" },
                { ...inputs, registryPassword: "new" },
            ),
        ).toEqual({
            changes: false,
            replaces: [],
        });
    });

    it("builds with the script shipped in the package, wherever the program runs", async () => {
        const script = path.join(__dirname, "..", "scripts", "build-image.sh");
        const failed = await imageBuild
            .create({ ...inputs, imageName: "" }, () => undefined)
            .catch((e: Error) => e.message);
        expect(failed).toContain("build-image: IMAGE_NAME is not set");
        expect(fs.existsSync(script)).toBe(true);
    });

    describe("read asks the registry whether it still holds the image", () => {
        let server: http.Server;
        let port = 0;
        const held = new Set<string>();
        const digest = `sha256:${"b".repeat(64)}`;
        beforeAll(async () => {
            server = http.createServer((request, response) => {
                response.statusCode =
                    request.method === "HEAD" && held.has(request.url ?? "") ? 200 : 404;
                response.end();
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            port = (server.address() as { port: number }).port;
            held.add(`/v2/pyspark-jobs/manifests/${digest}`);
        });
        afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
        const props = (imageRef: string) => ({ ...inputs, imageRef });

        it("keeps an image the registry holds", async () => {
            const kept = props(`127.0.0.1:${port}/pyspark-jobs@${digest}`);
            expect(await imageBuild.read!("id", kept)).toEqual(kept);
        });

        it("drops an image the registry no longer has, so that up pushes it again", async () => {
            const gone = props(`127.0.0.1:${port}/other@${digest}`);
            expect(await imageBuild.read!("id", gone)).toBeUndefined();
        });

        it("keeps the record when the registry cannot be asked", async () => {
            const unreachable = props(`127.0.0.1:1/pyspark-jobs@${digest}`);
            expect(await imageBuild.read!("id", unreachable)).toEqual(unreachable);
        });
    });
});
