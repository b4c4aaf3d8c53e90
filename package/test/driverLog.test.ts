import { extractResult, logTail, pythonError, registeredExecutors } from "../src/lib/driverLog";

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

describe("registeredExecutors", () => {
    it("counts the executors that registered with the driver, once each", () => {
        const line = (id: number) =>
            `INFO KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint: Registered executor NettyRpcEndpointRef(spark-client://Executor) (10.244.0.9:4000${id}) with ID ${id},  ResourceProfileId 0`;
        expect(registeredExecutors([line(1), line(2), line(2), "other"].join("\n"))).toBe(2);
        expect(registeredExecutors("")).toBe(0);
    });
});
