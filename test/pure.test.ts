import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { directoryHash } from "../lib/contentHash";
import { judgeDriver } from "../lib/driverState";
import { extractResult, logTail, pythonError, registeredExecutors } from "../lib/driverLog";
import { sparkMaster, sparkSubmitVersion } from "../lib/submit";
import { withEarlierExpiry } from "../lib/execCredential";
import { parseK8sQuantity, parseSparkMemory } from "../lib/quantities";
import { DRIVER_RESOURCES, sparkDriverRules } from "../lib/rbac";
import { pending, running, terminated, unschedulable } from "./standins";

describe("sparkDriverRules", () => {
    it("grants the driver every verb it needs on pods, services, configmaps and PVCs, and no made-up verb", () => {
        expect(sparkDriverRules()).toEqual([
            {
                apiGroups: [""],
                resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
                verbs: [
                    "get",
                    "list",
                    "watch",
                    "create",
                    "update",
                    "patch",
                    "delete",
                    "deletecollection",
                ],
            },
        ]);
        expect(DRIVER_RESOURCES).not.toContain("secrets");
    });
});

describe("quantities", () => {
    it.each([
        ["512m", 512],
        ["2g", 2048],
        ["2G", 2048],
        ["1024", 1024],
        ["1t", 1048576],
        ["512k", 0.5],
        ["1gb", 1024],
    ])("reads Spark memory %s as %d MiB", (s, mib) => {
        expect(parseSparkMemory(s)).toBe(mib);
    });
    it.each(["", "m", "1.5g", "-1m", "2 g", "1x"])("refuses Spark memory %j", (s) =>
        expect(parseSparkMemory(s)).toBeUndefined(),
    );
    it.each([
        ["250m", 0.25],
        ["0.5", 0.5],
        ["2", 2],
        ["1814Mi", 1814 * 2 ** 20],
        ["1Gi", 2 ** 30],
        ["1k", 1000],
    ])("reads quantity %s", (s, v) => {
        expect(parseK8sQuantity(s)).toBeCloseTo(v);
    });
    it.each(["", "1 Gi", "abc", "1mi", "-1"])("refuses quantity %j", (s) =>
        expect(parseK8sQuantity(s)).toBeUndefined(),
    );
});

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

describe("driver log", () => {
    const log = "INFO start\nPi is roughly 3.1\nINFO more\nPi is roughly 3.14159\nINFO stop\n";
    it("picks the last matching line, or the first capture group", () => {
        expect(extractResult(log, "Pi is roughly [0-9.]+")).toBe("Pi is roughly 3.14159");
        expect(extractResult(log, "Pi is roughly ([0-9.]+)")).toBe("3.14159");
        expect(extractResult(log, "^Result:")).toBeUndefined();
    });
    it("keeps the last non-empty lines", () => {
        expect(logTail("a\n\nb\nc\n\n", 2)).toBe("b\nc");
    });
    it("finds the exception line of a Python traceback", () => {
        expect(
            pythonError(
                'x\nTraceback (most recent call last):\n  File "a.py", line 1\n    boom()\nZeroDivisionError: division by zero\nINFO done',
            ),
        ).toBe("ZeroDivisionError: division by zero");
        expect(pythonError("all good")).toBeUndefined();
    });
});

describe("sparkMaster", () => {
    it("derives the Spark master with an explicit port", () => {
        expect(sparkMaster("https://127.0.0.1:6443")).toBe("k8s://https://127.0.0.1:6443");
        expect(sparkMaster("https://api.example.com")).toBe("k8s://https://api.example.com:443");
        expect(sparkMaster("https://[::1]:6443/")).toBe("k8s://https://[::1]:6443");
        expect(() => sparkMaster("not a url")).toThrow(/is not a URL/);
    });
});

describe("sparkSubmitVersion", () => {
    it("reads the version from spark-submit --version's banner", () => {
        const banner =
            "Welcome to\n      ____ ...   version 3.5.7\n      /_/\nUsing Scala version 2.12.18";
        expect(sparkSubmitVersion(banner)).toBe("3.5.7");
        expect(sparkSubmitVersion("bash: spark-submit: command not found")).toBeUndefined();
    });
});

describe("registeredExecutors", () => {
    it("counts the executors that registered with the driver, once each", () => {
        const line = (id: number) =>
            `INFO KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint: Registered executor NettyRpcEndpointRef(spark-client://Executor) (10.244.0.9:4000${id}) with ID ${id},  ResourceProfileId 0`;
        expect(registeredExecutors([line(1), line(2), line(2), "other"].join("\n"))).toBe(2);
        expect(registeredExecutors("")).toBe(0);
    });
});

describe("directoryHash", () => {
    it("changes with a file's content and not with where the directory lives or caches", () => {
        const make = () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hash-"));
            fs.mkdirSync(path.join(dir, "jobs"));
            fs.writeFileSync(path.join(dir, "jobs", "pi.py"), "print(1)\n");
            return dir;
        };
        const a = make();
        const b = make();
        try {
            expect(directoryHash(a)).toBe(directoryHash(b));
            fs.mkdirSync(path.join(b, "__pycache__"));
            fs.writeFileSync(path.join(b, "__pycache__", "pi.pyc"), "x");
            expect(directoryHash(b)).toBe(directoryHash(a));
            fs.writeFileSync(path.join(b, "jobs", "pi.py"), "print(2)\n");
            expect(directoryHash(b)).not.toBe(directoryHash(a));
        } finally {
            for (const dir of [a, b]) fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("withEarlierExpiry", () => {
    const credential = (expirationTimestamp?: string) =>
        JSON.stringify({
            apiVersion: "client.authentication.k8s.io/v1",
            kind: "ExecCredential",
            status: { token: "t", ...(expirationTimestamp ? { expirationTimestamp } : {}) },
        });
    const now = Date.parse("2026-11-25T07:00:00Z");

    it("moves the token's expiry a margin earlier, keeping everything else", () => {
        const out = JSON.parse(withEarlierExpiry(credential("2026-11-25T07:15:00Z"), 60_000, now));
        expect(out).toEqual({
            apiVersion: "client.authentication.k8s.io/v1",
            kind: "ExecCredential",
            status: { token: "t", expirationTimestamp: "2026-11-25T07:14:00.000Z" },
        });
    });

    it("never moves it before now, and leaves a credential without expiry or a non-JSON answer alone", () => {
        expect(
            JSON.parse(withEarlierExpiry(credential("2026-11-25T07:00:30Z"), 60_000, now)).status
                .expirationTimestamp,
        ).toBe("2026-11-25T07:00:00.000Z");
        expect(withEarlierExpiry(credential(), 60_000, now)).toBe(credential());
        expect(withEarlierExpiry("not json", 60_000, now)).toBe("not json");
    });
});
