import { jobRunProvider } from "../providers/jobRun";

describe("jobRunProvider.diff", () => {
    const olds = {
        spec: '{"a":1}',
        image: "r@sha256:1",
        runId: "1",
        driverPod: "pi-x-driver",
        namespace: "ns",
        runTag: "x",
        exitCode: 0,
        durationSeconds: 1,
        result: "r",
        executorsStarted: 2,
    };

    it("changes nothing when spec, image and runId are the same", async () => {
        expect(
            await jobRunProvider.diff!("id", olds, {
                spec: '{"a":1}',
                image: "r@sha256:1",
                runId: "1",
            }),
        ).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
    });

    it.each([
        ["spec", { spec: '{"a":2}', image: "r@sha256:1", runId: "1" }],
        ["image", { spec: '{"a":1}', image: "r@sha256:2", runId: "1" }],
        ["runId", { spec: '{"a":1}', image: "r@sha256:1", runId: "2" }],
    ])("re-runs (replaces, deleting the old run first) when %s changes", async (key, news) => {
        expect(await jobRunProvider.diff!("id", olds, news)).toEqual({
            changes: true,
            replaces: [key],
            deleteBeforeReplace: true,
        });
    });
});
