import { judgeDriver } from "../src/lib/driverState";
import { pending, running, terminated, unschedulable } from "./standins";

describe("judgeDriver", () => {
    const pod = (status: unknown) =>
        ({ metadata: { name: "d" }, status }) as Parameters<typeof judgeDriver>[0];
    it("knows a pod that does not exist", () =>
        expect(judgeDriver(undefined, 0, 60)).toEqual({ kind: "absent" }));
    it("waits while the driver is pending within the bound", () => {
        expect(judgeDriver(pod(unschedulable("0/1 nodes")), 10, 60)).toEqual({
            kind: "starting",
            reason: "Unschedulable",
        });
        expect(
            judgeDriver(pod(pending({ reason: "ContainerCreating", message: "" })), 10, 60),
        ).toEqual({ kind: "starting", reason: "ContainerCreating" });
    });
    it("gives up on a pending driver at the bound, with its reason and message", () => {
        expect(judgeDriver(pod(unschedulable("0/1 nodes are available")), 60, 60)).toEqual({
            kind: "cannot-start",
            reason: "Unschedulable",
            message: "0/1 nodes are available",
        });
        expect(
            judgeDriver(pod(pending({ reason: "ErrImagePull", message: "not found" })), 61, 60),
        ).toEqual({ kind: "cannot-start", reason: "ErrImagePull", message: "not found" });
    });
    it("gives up at once on hopeless image errors", () => {
        expect(
            judgeDriver(pod(pending({ reason: "InvalidImageName", message: "bad" })), 0, 60).kind,
        ).toBe("cannot-start");
        expect(
            judgeDriver(pod(pending({ reason: "ErrImageNeverPull", message: "never" })), 0, 60)
                .kind,
        ).toBe("cannot-start");
    });
    it("reads success and failure only from the driver container's terminated state", () => {
        expect(judgeDriver(pod(running), 999, 60)).toEqual({ kind: "running" });
        expect(judgeDriver(pod(terminated(0, "Completed")), 0, 60)).toEqual({ kind: "succeeded" });
        expect(judgeDriver(pod(terminated(1, "Error")), 0, 60)).toEqual({
            kind: "failed",
            exitCode: 1,
            reason: "Error",
            message: undefined,
        });
        expect(judgeDriver(pod(terminated(137, "OOMKilled")), 0, 60)).toMatchObject({
            kind: "failed",
            exitCode: 137,
            reason: "OOMKilled",
        });
    });
    it("treats an evicted pod as failed", () => {
        expect(
            judgeDriver(
                pod({ phase: "Failed", reason: "Evicted", message: "low on memory" }),
                0,
                60,
            ),
        ).toEqual({ kind: "failed", exitCode: -1, reason: "Evicted", message: "low on memory" });
    });
    it("prefers the Spark driver container over sidecars", () => {
        const status = {
            phase: "Running",
            containerStatuses: [
                { name: "sidecar", state: { terminated: { exitCode: 0 } } },
                { name: "spark-kubernetes-driver", state: { running: {} } },
            ],
        };
        expect(judgeDriver(pod(status), 0, 60)).toEqual({ kind: "running" });
    });
});
