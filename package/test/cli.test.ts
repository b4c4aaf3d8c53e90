/**
 * The runner as a process, called the way the run resources call it (run/runnerCall.ts
 * callRunner): every mode of the protocol, against a stand-in API server on loopback
 * (fixtures/fakeApi.ts) and a stand-in spark-submit.
 */
import { spawn } from "child_process";
import * as path from "path";
import { callRunner } from "../src/run/runnerCall";
import { REQUEST_ENV } from "../src/runner/protocol";
import { FakeApi, RUN, attachRequest, clusterRun, runSpecFor } from "./fixtures/fakeApi";

const env = {
    SPARK_SUBMIT: path.join(__dirname, "fixtures", "fake-spark-submit.js"),
    JOB_RUN_POLL_MS: "50",
};

async function failure(promise: Promise<unknown>): Promise<string> {
    try {
        await promise;
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("expected the runner to fail");
}

describe("the runner, through its protocol", () => {
    let api: FakeApi;
    const saved = { ...process.env };
    beforeEach(() => Object.assign(process.env, env));
    afterEach(async () => {
        process.env = { ...saved };
        await api.stop();
    });

    it("attach: follows the run's Job to success, with live progress, and answers its outcome", async () => {
        api = new FakeApi({
            exitCode: 0,
            reason: "Completed",
            log: "INFO x\nPi is roughly 3.14159\n",
        });
        await api.start();
        clusterRun(api);
        const progress: string[] = [];
        const outcome = await callRunner("attach", attachRequest(api), (line) =>
            progress.push(line),
        );
        expect(outcome).toEqual({
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
        expect(progress[0]).toBe(`[jobrun] job pi: following run spark/${RUN}`);
        expect(progress.join("\n")).toMatch(/attempt 1, driver pod pi-0a1b2c3d-x1: running/);
        expect(api.unauthorized).toBe(0);
    });

    it("attach: fails with the driver's exit code and Python error, as one message without a stack", async () => {
        api = new FakeApi({
            exitCode: 1,
            reason: "Error",
            log: 'Traceback (most recent call last):\n  File "pi.py"\nValueError: boom\n',
        });
        await api.start();
        clusterRun(api);
        const message = await failure(callRunner("attach", attachRequest(api)));
        expect(message).toMatch(
            /^job pi: run spark\/pi-0a1b2c3d failed: application failure: exit code 1 \(Error\)/,
        );
        expect(message).toContain("python error: ValueError: boom");
        expect(message).not.toMatch(/\[jobrun\]|\n\s+at /);
    });

    it("status: says whether the run's Job exists, and which one it is", async () => {
        api = new FakeApi({ exitCode: 0, reason: "Completed", log: "" });
        await api.start();
        expect(await callRunner("status", attachRequest(api))).toEqual({ exists: false, uid: "" });
        clusterRun(api);
        expect(await callRunner("status", attachRequest(api))).toEqual({
            exists: true,
            uid: "uid-job",
        });
    });

    it("run: submits from the deployer, follows the driver and answers its outcome", async () => {
        api = new FakeApi({
            exitCode: 0,
            reason: "Completed",
            log: "INFO x\nPi is roughly 3.14159\n",
        });
        await api.start();
        process.env.FAKE_API_URL = api.url;
        const outcome = await callRunner("run", runSpecFor(api));
        expect(outcome).toMatchObject({
            namespace: "spark",
            exitCode: 0,
            result: "Pi is roughly 3.14159",
            attempts: 1,
        });
        expect(outcome.driverPod).toMatch(/^pi-[a-z0-9]{1,10}-driver$/);
        expect(outcome.runName).toBe(outcome.driverPod.replace(/-driver$/, ""));
        // spark-submit got the kubeconfig's server as master and the per-run names.
        expect(api.stores.pods.get(outcome.driverPod)?.args).toEqual(
            expect.arrayContaining([
                "--master",
                api.url.replace("http://", "k8s://http://"),
                `spark.kubernetes.driver.pod.name=${outcome.driverPod}`,
            ]),
        );
        expect(api.unauthorized).toBe(0);
    });

    it("run: a driver that failed although spark-submit exited 0 fails the run and removes its pods", async () => {
        api = new FakeApi({
            exitCode: 1,
            reason: "Error",
            log: 'Traceback (most recent call last):\n  File "pi.py"\nValueError: boom\n',
        });
        await api.start();
        process.env.FAKE_SUBMIT_EXIT = "0";
        process.env.FAKE_API_URL = api.url;
        const message = await failure(callRunner("run", runSpecFor(api)));
        expect(message).toMatch(
            /failed: application failure: exit code 1 \(Error\) \(spark-submit exit code: 0\)/,
        );
        expect(message).toContain("python error: ValueError: boom");
        expect(api.stores.pods.size).toBe(0);
        expect(api.stores.services.size).toBe(0);
    });

    it("run: reports spark-submit's refusal", async () => {
        api = new FakeApi({ exitCode: 0, reason: "Completed", log: "" });
        await api.start();
        process.env.FAKE_SUBMIT_REFUSE = 'serviceaccount "spark-driver" not found';
        expect(await failure(callRunner("run", runSpecFor(api)))).toMatch(
            /spark-submit exited with code 1 before the driver pod existed:\nserviceaccount "spark-driver" not found/,
        );
    });

    it("delete: removes the job's pods and the services they own, and says how many", async () => {
        api = new FakeApi({ exitCode: 0, reason: "Completed", log: "Pi is roughly 3.1\n" });
        await api.start();
        process.env.FAKE_API_URL = api.url;
        const spec = runSpecFor(api);
        await callRunner("run", spec);
        expect(api.stores.pods.size).toBe(1);
        const progress: string[] = [];
        expect(await callRunner("delete", spec, (line) => progress.push(line))).toEqual({
            removed: { pods: 1, services: 1, configmaps: 0, persistentvolumeclaims: 0 },
        });
        expect(progress).toContain(
            "[jobrun] job pi: removed 1 pods, 1 services, 0 configmaps, 0 persistentvolumeclaims",
        );
        expect(api.stores.pods.size).toBe(0);
        expect(api.stores.services.size).toBe(0);
    });

    describe("refuses a request that breaks the contract, saying what is wrong", () => {
        /** The runner started by hand, with a raw request. */
        function rawRunner(
            mode: string,
            request: string | undefined,
        ): Promise<{ code: number | null; stderr: string }> {
            const runner = path.join(__dirname, "..", "src", "runner", "cli.ts");
            return new Promise((resolve) => {
                const child = spawn(
                    process.execPath,
                    ["-r", "ts-node/register/transpile-only", runner, mode],
                    {
                        env: { ...process.env, [REQUEST_ENV]: request ?? "" },
                    },
                );
                let stderr = "";
                child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
                child.on("close", (code) => resolve({ code, stderr }));
            });
        }

        beforeEach(async () => {
            api = new FakeApi({ exitCode: 0, reason: "Completed", log: "" });
            await api.start();
        });

        it.each([
            ["no request", "attach", undefined, `${REQUEST_ENV} is not set`],
            ["not JSON", "status", "{", `${REQUEST_ENV} is not valid JSON`],
            [
                "a field missing",
                "attach",
                JSON.stringify({ job: "pi" }),
                "bad attach request in PSK_RUNNER_REQUEST: namespace: ",
            ],
            [
                "a field of the wrong type",
                "run",
                JSON.stringify({ app: 3 }),
                "bad run request in PSK_RUNNER_REQUEST: app: ",
            ],
            [
                "an unknown mode",
                "launch",
                "{}",
                "unknown mode 'launch': use attach, status, run, delete",
            ],
        ])("%s", async (_what, mode, request, expected) => {
            const out = await rawRunner(mode, request);
            expect(out.code).toBe(1);
            expect(out.stderr).toContain(expected);
            expect(out.stderr).not.toMatch(/\n\s+at /);
        });
    });
});
