import { runResultProvider } from "../providers/runResult";

const inputs = {
    job: "pi",
    namespace: "spark",
    jobName: "pi-0a1b2c3d",
    jobUid: "uid-1",
    resultPattern: "Pi is roughly [0-9.]+",
    startTimeoutSeconds: 120,
    runTimeoutSeconds: 600,
    apiRetrySeconds: 120,
    cluster: { kubeconfig: "/k", context: "c" },
};
const recorded = {
    ...inputs,
    driverPod: "pi-0a1b2c3d-x7k2p",
    exitCode: 0,
    durationSeconds: 14,
    result: "Pi is roughly 3.14",
    executorsStarted: 2,
    attempts: 1,
};

describe("runResultProvider.diff", () => {
    it("changes nothing for the same run", async () => {
        expect(await runResultProvider.diff!("id", recorded, inputs)).toEqual({
            changes: false,
            replaces: [],
        });
    });

    it.each([
        ["jobUid", { jobUid: "uid-2" }],
        ["jobName", { jobName: "pi-9z8y7x6w" }],
        ["resultPattern", { resultPattern: "^Pi.*" }],
    ])(
        "re-attaches (replaces) when %s changes: another run, or another reading of its log",
        async (key, change) => {
            expect(await runResultProvider.diff!("id", recorded, { ...inputs, ...change })).toEqual(
                {
                    changes: true,
                    replaces: [key],
                },
            );
        },
    );

    it("only updates for timeouts and API settings: a finished run is not followed again", async () => {
        expect(
            await runResultProvider.diff!("id", recorded, {
                ...inputs,
                startTimeoutSeconds: 60,
                apiRetrySeconds: 30,
            }),
        ).toEqual({
            changes: true,
            replaces: [],
        });
        const updated = await runResultProvider.update!("id", recorded, {
            ...inputs,
            apiRetrySeconds: 30,
        });
        expect(updated.outs).toEqual({ ...recorded, apiRetrySeconds: 30 });
    });
});
